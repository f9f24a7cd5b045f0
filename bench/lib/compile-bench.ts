import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the bench runs: compiled JavaScript, and the root its source maps lead back to. */
export interface BenchBuild {
  /** Holds `bench/children/*.js`, `src/**`, `gen/**` as tsc emitted them. */
  readonly outDir: string;
  /** The tree the code was compiled from: the working tree, or a snapshot of `--rev`. */
  readonly sourceRoot: string;
  /** The commit measured, with a note when the working tree's src/ or gen/ differ from it. */
  readonly commit: string;
}

/**
 * Compiles src/, gen/ and bench/ with tsc (incrementally, a few seconds), so the gateway runs as
 * `npm start` runs it: tsc output under plain `node`, no loader in the hot path, and CPU profiles
 * that source maps take back to the .ts lines.
 *
 * With `rev`, src/, gen/ and test/support/ come from that commit instead (`git archive`, read
 * only), so a measurement is not disturbed by half-done edits in the working tree and two
 * revisions can be compared in one sitting; the bench itself is always the working tree's. The
 * snapshot lives in the OS temp directory, where the project's `tsc -p .` and vitest never look,
 * with a symlink to this checkout's node_modules.
 */
export function compileBench(repoRoot: string, rev?: string): BenchBuild {
  if (rev === undefined) {
    compile(repoRoot, join(repoRoot, "bench", "tsconfig.json"));
    return { outDir: checkEmitted(join(repoRoot, "bench", ".build")), sourceRoot: repoRoot, commit: workingTreeCommit(repoRoot) };
  }
  const commit = git(repoRoot, ["rev-parse", "--short", `${rev}^{commit}`]);
  const sourceRoot = join(tmpdir(), "tensorwall-bench", `rev-${commit}`);
  rmSync(sourceRoot, { recursive: true, force: true });
  mkdirSync(sourceRoot, { recursive: true });
  symlinkSync(join(repoRoot, "node_modules"), join(sourceRoot, "node_modules"), "dir");
  const archive = spawnSync("git", ["archive", "--format=tar", commit, "src", "gen", "test/support"], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString()}`);
  const untar = spawnSync("tar", ["-x", "-C", sourceRoot], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`unpacking ${commit} failed: ${untar.stderr.toString()}`);
  cpSync(join(repoRoot, "bench"), join(sourceRoot, "bench"), { recursive: true, filter: (path) => !/[/\\](\.build|results)$/.test(path) });
  // ESM, like the project: tsc and node both read "type" from the nearest package.json.
  writeFileSync(join(sourceRoot, "package.json"), JSON.stringify({ type: "module", private: true }));
  const project = join(sourceRoot, "tsconfig.json");
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(repoRoot, "tsconfig.json"),
      compilerOptions: { rootDir: ".", outDir: "out", incremental: false },
      include: ["bench/**/*.ts", "src", "gen", "test/support/fake-azure-replies.ts"],
      exclude: ["out"],
    }),
  );
  compile(sourceRoot, project);
  return { outDir: checkEmitted(join(sourceRoot, "out")), sourceRoot, commit };
}

function compile(cwd: string, project: string): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const outcome = spawnSync(process.execPath, [tsc, "-p", project], { cwd, encoding: "utf8" });
  if (outcome.status !== 0) {
    // tsc still emits on type errors; someone else's half-done edit should not stop a measurement.
    const diagnostics = `${outcome.stdout}${outcome.stderr}`.trim().split("\n");
    process.stderr.write(`bench: tsc reported ${diagnostics.length} diagnostic line(s); measuring what it emitted:\n`);
    process.stderr.write(`${diagnostics.slice(0, 10).join("\n")}\n`);
  }
}

function checkEmitted(outDir: string): string {
  if (!existsSync(join(outDir, "bench", "children", "gateway.js"))) {
    throw new Error(`tsc emitted no bench/children/gateway.js into ${outDir}; see the diagnostics above`);
  }
  return outDir;
}

function workingTreeCommit(repoRoot: string): string {
  try {
    const commit = git(repoRoot, ["rev-parse", "--short", "HEAD"]);
    return git(repoRoot, ["status", "--porcelain", "--", "src", "gen"]) === "" ? commit : `${commit} + uncommitted changes in src/ or gen/`;
  } catch {
    return "unknown";
  }
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
