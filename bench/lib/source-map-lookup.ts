import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A position in an original source file, 1-based line, relative to the repository root. */
export interface OriginalPosition {
  readonly file: string;
  readonly line: number;
}

type Segment = readonly [generatedColumn: number, sourceIndex: number, sourceLine: number];

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Maps positions in tsc's output back to the TypeScript they came from, through the `.js.map`
 * files tsc writes next to each file (`sourceMap: true`). CPU profiles name compiled JavaScript;
 * the report names the .ts file and line a reader can open.
 */
export class SourceMapLookup {
  readonly #repoRoot: string;
  readonly #maps = new Map<string, { sources: string[]; lines: Segment[][] } | undefined>();

  constructor(repoRoot: string) {
    this.#repoRoot = repoRoot;
  }

  /** `url` is a profile's `file://` URL; line and column are 0-based, as profiles give them. */
  lookup(url: string, line: number, column: number): OriginalPosition | undefined {
    if (!url.startsWith("file://")) return undefined;
    const map = this.#load(fileURLToPath(url));
    const segments = map?.lines[line];
    if (map === undefined || segments === undefined) return undefined;
    let best: Segment | undefined;
    for (const segment of segments) {
      if (segment[0] > column) break;
      best = segment;
    }
    best ??= segments[0];
    if (best === undefined) return undefined;
    const source = map.sources[best[1]];
    return source === undefined ? undefined : { file: relative(this.#repoRoot, source), line: best[2] + 1 };
  }

  #load(jsPath: string): { sources: string[]; lines: Segment[][] } | undefined {
    if (this.#maps.has(jsPath)) return this.#maps.get(jsPath);
    const mapPath = `${jsPath}.map`;
    let parsed: { sources: string[]; lines: Segment[][] } | undefined;
    if (existsSync(mapPath)) {
      const raw = JSON.parse(readFileSync(mapPath, "utf8")) as { sources: string[]; sourceRoot?: string; mappings: string };
      const base = resolve(dirname(mapPath), raw.sourceRoot ?? "");
      parsed = { sources: raw.sources.map((source) => resolve(base, source)), lines: decodeMappings(raw.mappings) };
    }
    this.#maps.set(jsPath, parsed);
    return parsed;
  }
}

/** The Source Map v3 `mappings` field: per generated line, segments of base64 VLQ deltas. */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceIndex = 0;
  let sourceLine = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let column = 0;
    for (const segmentText of lineText.split(",")) {
      if (segmentText === "") continue;
      const values = decodeVlq(segmentText);
      column += values[0] ?? 0;
      if (values.length >= 4) {
        sourceIndex += values[1]!;
        sourceLine += values[2]!;
        segments.push([column, sourceIndex, sourceLine]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}
