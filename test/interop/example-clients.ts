import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runOrThrow } from "./run-process.js";

/** An example client from examples/clients/, with its stubs freshly generated and ready to run. */
export interface ExampleClient {
  readonly language: string;
  readonly command: string;
  /** Arguments before the client's own flags. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The flag that gives each call a deadline. */
  timeoutArgs(ms: number): string[];
}

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BUF = join(REPO, "node_modules", ".bin", "buf");
const BUILD_KILL_AFTER_MS = 180_000;
const MISSING_TOOLS_HINT = "The interop test needs the Debian packages that .ci/run installs.";

/**
 * Debian's python3-grpcio and python3-protobuf are installed for /usr/bin/python3 only; a pyenv or
 * venv `python3` earlier on PATH would not find them.
 */
const DEBIAN_PYTHON = "/usr/bin/python3";
/** Where Debian's golang-*-dev packages put their sources, for a GOPATH build with no network. */
const DEBIAN_GOPATH = "/usr/share/gocode";
/** The import path buf.gen.go.yaml and examples/clients/go/go.mod give the example. */
const GO_IMPORT_PATH = "tensorwall.example/client";

async function generate(template: string, outDir: string): Promise<void> {
  try {
    await runOrThrow(BUF, ["generate", "--template", template, "-o", outDir], { cwd: REPO, killAfterMs: BUILD_KILL_AFTER_MS });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${MISSING_TOOLS_HINT}`);
  }
}

/** Generates the Python stubs from proto/ into workDir; the script runs from examples/ as is. */
export async function preparePythonClient(workDir: string): Promise<ExampleClient> {
  const outDir = join(workDir, "python");
  await generate("buf.gen.python.yaml", outDir);
  return {
    language: "python",
    command: DEBIAN_PYTHON,
    args: [join(REPO, "examples", "clients", "python", "chat.py")],
    env: { PYTHONPATH: join(outDir, "examples", "clients", "python", "gen"), PYTHONDONTWRITEBYTECODE: "1" },
    timeoutArgs: (ms) => ["--timeout", String(ms / 1000)],
  };
}

/**
 * Generates the Go stubs from proto/, lays the example out in a GOPATH of its own under workDir and
 * builds it in GOPATH mode against Debian's Go packages: module mode would need the network.
 */
export async function prepareGoClient(workDir: string): Promise<ExampleClient> {
  const outDir = join(workDir, "go-generated");
  const gopath = join(workDir, "gopath");
  const packageDir = join(gopath, "src", GO_IMPORT_PATH);
  await generate("buf.gen.go.yaml", outDir);
  await mkdir(packageDir, { recursive: true });
  await cp(join(REPO, "examples", "clients", "go", "main.go"), join(packageDir, "main.go"));
  await cp(join(outDir, "examples", "clients", "go", "gen"), join(packageDir, "gen"), { recursive: true });
  const binary = join(workDir, "go-client");
  try {
    await runOrThrow("go", ["build", "-o", binary, GO_IMPORT_PATH], {
      cwd: workDir,
      env: { GO111MODULE: "off", GOPATH: `${gopath}:${DEBIAN_GOPATH}`, GOFLAGS: "", GOPROXY: "off" },
      killAfterMs: BUILD_KILL_AFTER_MS,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${MISSING_TOOLS_HINT}`);
  }
  return {
    language: "go",
    command: binary,
    args: [],
    env: {},
    timeoutArgs: (ms) => ["-timeout", `${ms}ms`],
  };
}
