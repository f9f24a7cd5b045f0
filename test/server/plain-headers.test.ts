import { describe, expect, it } from "vitest";
import { PlainHeaders } from "../../src/server/plain-headers.js";

/** Everything a reader can see of a Headers object. */
function seen(headers: Headers, names: readonly string[]): unknown {
  const forEach: [string, string][] = [];
  headers.forEach((value, name) => forEach.push([name, value]));
  return {
    forEach,
    entries: [...headers.entries()],
    iterated: [...headers],
    keys: [...headers.keys()],
    values: [...headers.values()],
    cookies: headers.getSetCookie(),
    read: names.map((name) => [headers.get(name), headers.has(name)]),
  };
}

type Step = [op: "append" | "set" | "delete", name: string, value?: string];

describe("PlainHeaders reads as Node's Headers does after the same changes", () => {
  it.each<[string, Step[]]>([
    ["appends combine under one lower-cased name", [["append", "X-Rate", "1"], ["append", "x-rate", "2"], ["append", "A", "first"]]],
    ["set replaces, delete removes, in any case", [["append", "b", "1"], ["set", "B", "2"], ["append", "c", "3"], ["delete", "C"]]],
    ["values lose surrounding HTTP whitespace only", [["append", "v", "  padded\t"], ["set", "w", "in side"], ["append", "u", "\r\nx\n"]]],
    ["Set-Cookie values stay separate", [["append", "Set-Cookie", "a=1"], ["append", "set-cookie", "b=2"], ["append", "z", "last"], ["append", "a", "first"]]],
    ["Set-Cookie set and deleted", [["append", "set-cookie", "a=1"], ["set", "set-cookie", "b=2"], ["append", "k", "v"], ["delete", "set-cookie"]]],
    ["iteration is sorted by name", [["append", "zeta", "1"], ["append", "alpha", "2"], ["append", "grpc-status", "0"], ["append", "content-type", "x"]]],
  ])("%s", (_name, steps) => {
    const plain = new PlainHeaders();
    const reference = new Headers();
    for (const [op, name, value] of steps) {
      for (const headers of [plain, reference]) {
        if (op === "delete") headers.delete(name);
        else headers[op](name, value!);
      }
    }
    const names = [...new Set(steps.map(([, name]) => name)), "absent"];
    expect(seen(plain, names)).toEqual(seen(reference, names));
  });

  it.each([
    ["a line break", "x-deployment", "a\nb"],
    ["a control character", "x-deployment", "a\u0007b"],
    ["a character beyond Latin-1", "x-deployment", "d\u0100"],
    ["a name that is no token", "x deployment", "ok"],
    ["an empty name", "", "ok"],
  ])("refuses %s with a TypeError, as Node refuses it in a response, through append and set alike", (_name, name, value) => {
    const plain = new PlainHeaders();
    expect(() => plain.append(name, value)).toThrow(TypeError);
    expect(() => plain.set(name, value)).toThrow(TypeError);
    expect([...plain]).toEqual([]);
  });

  it("takes a request's headers from Node without its pseudo-headers, arrays as separate values", () => {
    const plain = PlainHeaders.fromRequest({
      ":method": "POST",
      ":path": "/tensorwall.v1.ChatService/CreateChatCompletion",
      "content-type": "application/proto",
      authorization: "Bearer gw_x",
      "set-cookie": ["a=1", "b=2"],
    });
    expect([...plain]).toEqual([
      ["authorization", "Bearer gw_x"],
      ["content-type", "application/proto"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
    ]);
  });

  it("reads a request's headers as Headers would, before and after a change", () => {
    // Node's HTTP/1 headers object has Object's prototype; HTTP/2's has none.
    const node = Object.assign({}, {
      ":path": "/x",
      authorization: "Bearer gw_x",
      "x-padded": " padded\t",
      "x-twice": ["one ", "two"],
      "set-cookie": ["a=1", "b=2"],
    }) as Record<string, string | string[]>;
    const reference = new Headers();
    for (const [name, value] of Object.entries(node)) {
      if (name.startsWith(":")) continue;
      for (const item of typeof value === "string" ? [value] : value) reference.append(name, item);
    }
    const names = ["Authorization", "x-padded", "X-TWICE", "set-cookie", "absent", "constructor", "toString", "__proto__"];
    const reads = (headers: Headers) => names.map((name) => [headers.get(name), headers.has(name)]);
    const plain = PlainHeaders.fromRequest(node);
    expect(reads(plain)).toEqual(reads(reference));
    expect(plain.get(":path")).toBeNull();
    plain.set("x-added", "1");
    reference.set("x-added", "1");
    expect(seen(plain, names)).toEqual(seen(reference, names));
  });

  it("hands Node every header and each Set-Cookie value, whatever it was made from", () => {
    const plain = PlainHeaders.fromRequest({ ":path": "/x", authorization: "Bearer gw_x", "set-cookie": ["a=1", "b=2"] });
    plain.append("x-more", "1");
    expect({ ...plain.toNode() }).toEqual({ authorization: "Bearer gw_x", "set-cookie": ["a=1", "b=2"], "x-more": "1" });
    expect({ ...PlainHeaders.fromRequest({ "x-only": "read" }).toNode() }).toEqual({ "x-only": "read" });
  });

  it("is accepted where Headers are, and copies into a real Headers", () => {
    const plain = new PlainHeaders([["x-a", "1"]]);
    expect([...new Headers(plain)]).toEqual([["x-a", "1"]]);
  });
});
