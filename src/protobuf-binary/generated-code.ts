/**
 * What the encoder and the decoder generate their code with: the helpers it reaches as `e[i]`, and
 * the one place code is generated (`new Function`). Generated code names things only through
 * `e[i]` and JSON string literals, never descriptor text as code; a type's name, cut down to word
 * characters and dots, appears only in the sourceURL comment that names the code in profiles and
 * stack traces.
 */
export class GeneratedCode {
  readonly #helpers: unknown[] = [];

  /** The expression generated code reaches `helper` by. */
  ref(helper: unknown): string {
    return `e[${this.#helpers.push(helper) - 1}]`;
  }

  /** Runs `body` in strict mode with the helpers as `e` and returns what it returns. */
  compile<T>(body: string, role: "read" | "write", typeName: string): T {
    const source = `"use strict";\n${body}\n//# sourceURL=protobuf-binary/${role}/${typeName.replace(/[^\w.]/g, "_")}`;
    const factory = new Function("e", source) as (helpers: readonly unknown[]) => T;
    return factory(this.#helpers);
  }
}
