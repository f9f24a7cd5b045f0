import { Code } from "@connectrpc/connect";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_TABLE } from "../../src/errors/index.js";

function readmeErrorRows(): string[][] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("## Errors")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll("`", "")),
    );
}

function connectCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

describe("the error table", () => {
  it("matches the README's error table row for row", () => {
    const fromTable = Object.entries(ERROR_TABLE).map(([code, row]) => [
      code,
      String(row.httpStatus),
      connectCodeName(row.connectCode),
      row.openaiType,
    ]);
    expect(readmeErrorRows()).toEqual(fromTable);
  });

  it("gives every code a message of its own", () => {
    const messages = Object.values(ERROR_TABLE).map((row) => row.defaultMessage);
    expect(new Set(messages).size).toBe(messages.length);
  });
});
