/**
 * The operating-system sandbox that class grading runs each submission's test process
 * in: bubblewrap (`bwrap`) on Linux. `sandboxWrap({ kit, scratch })` gives runTests a
 * `wrap` that puts the test child in a fresh mount, PID, network, IPC and UTS namespace:
 *  - the system's /usr (and its /bin, /lib links) and a few files of /etc, read-only;
 *  - the kit (its tests, lib/, config and node_modules/) read-only, without `solutions/`,
 *    `.git`, `.progress`, `.backups` and `.book` (not there at all), and with whatever
 *    `hide` names (the class folder, when it lies inside the kit) made empty; a new file
 *    at the kit's top (vite's bundled config, under Deno) and vite's caches land in
 *    private tmpfs mounts, gone with the process;
 *  - the runtime binary running now (Node's `process.execPath`, Deno's `Deno.execPath()`)
 *    read-only, wherever it was installed;
 *  - a private, size-capped /tmp, a minimal /dev and its own /proc;
 *  - write access to one folder only: `scratch`, where the submission's copy lives;
 *  - no network, no capabilities, a new session (no terminal to inject keys into), and
 *    killed with its parent; its own PID namespace ends every process it started when
 *    the test process ends.
 *
 * `sandboxStatus()` probes once per process whether bwrap works here (the exact layout,
 * running `true`): not Linux, no bwrap, or a kernel that refuses user namespaces (for
 * example Ubuntu's AppArmor default) all give `{ available: false, reason, fix }`, and
 * `grade` then runs unsandboxed and says so; CRASH_COURSE_SANDBOX=off turns it off the same
 * way. Only node: built-ins here, so `doctor` can import it before anything is installed.
 *
 * @example
 * ```ts
 * const wrap = sandboxWrap({ kit: KIT, scratch: "/tmp/crash-course-grade-ana" });
 * if (wrap) await runTests({ lessons, impl: "/tmp/crash-course-grade-ana/exercises", wrap });
 * else console.error(`no sandbox: ${sandboxStatus().reason}`);
 * ```
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import process from "node:process";

export type Wrap = (command: string, args: string[]) => [string, string[]];

export interface SandboxOptions {
  /** The kit whose tests, lib/ and node_modules/ the child reads. */
  kit: string;
  /** The only folder the child may write (the submission's copy, vite's cache). */
  scratch: string;
  /** More folders to make empty inside the sandbox (a class folder inside the kit). */
  hide?: readonly string[];
}

export type SandboxStatus =
  | { available: true; bwrap: string; version: string }
  | { available: false; reason: string; fix: string };

/** Folders of a kit that a submission under test has no business reading. */
const KIT_HIDDEN = ["solutions", ".git", ".progress", ".backups", ".book", ".mutate"];
/** vite's folders under node_modules/ (present once vitest has run in the kit). */
const VITE_CACHES = [".vite", ".vite-temp", ".vitest"];
/** The few files of /etc a runtime reads: the loader cache, users, time zone, localhost. */
const ETC_FILES = ["ld.so.cache", "passwd", "group", "localtime", "nsswitch.conf", "hosts"];
/** A submission that fills /tmp fills memory: cap it. */
const TMP_BYTES = 256 * 1024 * 1024;
const INSTALL_FIX = "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`)";

declare const Deno: { execPath(): string } | undefined;

/** The binary of the runtime running now; the test child is started with it. */
export function runtimeBinary(): string {
  return typeof Deno !== "undefined" ? Deno.execPath() : process.execPath;
}

let probed: SandboxStatus | undefined;

/** Whether bwrap can sandbox a test child on this machine (probed once). */
export function sandboxStatus(): SandboxStatus {
  return (probed ??= probe());
}

function probe(): SandboxStatus {
  // For an instructor's own trusted code, and for the kit's tests of the unsandboxed path.
  if (process.env.CRASH_COURSE_SANDBOX === "off") {
    return { available: false, reason: "it is turned off (CRASH_COURSE_SANDBOX=off)", fix: "unset CRASH_COURSE_SANDBOX" };
  }
  if (process.platform !== "linux") {
    return { available: false, reason: `${process.platform} has no bubblewrap`, fix: "grade untrusted submissions inside a Linux container or VM that has bubblewrap (`apt-get install bubblewrap`)" };
  }
  const bwrap = findOnPath("bwrap");
  if (!bwrap) return { available: false, reason: "bwrap (bubblewrap) is not installed", fix: INSTALL_FIX };
  const version = spawnSync(bwrap, ["--version"], { encoding: "utf8", timeout: 10_000 }).stdout?.trim() ?? "";
  const kit = path.resolve(".");
  const trial = spawnSync(bwrap, [...bwrapArgs({ kit, scratch: kit }), "--", findOnPath("true") ?? "/usr/bin/true"], { encoding: "utf8", timeout: 10_000 });
  if (trial.status !== 0) {
    const why = (trial.stderr || trial.error?.message || `exit ${trial.status}`).trim().split("\n")[0];
    return {
      available: false,
      reason: `bwrap cannot create a sandbox here (${why})`,
      fix: "allow unprivileged user namespaces (`sudo sysctl kernel.unprivileged_userns_clone=1`, or on Ubuntu 24.04 `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or grade inside a container or VM",
    };
  }
  return { available: true, bwrap, version };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return ["/usr/bin", "/bin", "/usr/local/bin"].map((d) => path.join(d, name)).find(existsSync);
}

/** A `wrap` for runTests that runs the test child in bwrap, or undefined where there is no sandbox. */
export function sandboxWrap(options: SandboxOptions): Wrap | undefined {
  const status = sandboxStatus();
  if (!status.available) return undefined;
  const prefix = bwrapArgs(options);
  return (command, args) => [status.bwrap, [...prefix, "--", command, ...withoutLockWrites(command, args)]];
}

/**
 * Deno rewrites deno.lock when it resolves anything the lock lacks; the kit is read-only
 * in here, so that would end the run. Resolution comes from the kit's node_modules/.
 */
function withoutLockWrites(command: string, args: string[]): string[] {
  const isDenoRun = /^deno(\.exe)?$/.test(path.basename(command)) && args[0] === "run";
  if (!isDenoRun || args.some((a) => /^--(no-)?lock|^--frozen/.test(a))) return args;
  return ["run", "--no-lock", ...args.slice(1)];
}

/** bwrap's arguments, before the command: the layout described at the top. */
export function bwrapArgs({ kit, scratch, hide = [] }: SandboxOptions): string[] {
  const kitDir = realpathSync(kit);
  const args = [
    "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
    ...systemDirs(),
    "--proc", "/proc", "--dev", "/dev",
    "--size", String(TMP_BYTES), "--tmpfs", "/tmp",
    ...kitMounts(kitDir),
    ...runtimeMounts(kitDir),
  ];
  for (const folder of hide) args.push(...emptied(folder));
  // vite writes its bundled config and caches here; each sandbox gets its own, thrown away.
  for (const cache of VITE_CACHES) args.push(...privateTmpfs(path.join(kitDir, "node_modules", cache)));
  const writable = realpathSync(scratch);
  args.push("--bind", writable, writable, "--setenv", "TMPDIR", "/tmp", "--setenv", "HOME", writable, "--chdir", kitDir);
  // Certificates are not mounted (there is no network); Node would warn about each run.
  args.push("--unsetenv", "NODE_EXTRA_CA_CERTS");
  return args;
}

/**
 * The kit: a private, size-capped tmpfs at its path with each of its entries mounted
 * read-only, except the hidden ones, which are simply not there. Its files cannot be
 * changed; a new file at its top (vite writes its bundled config beside the config file
 * under Deno) lands in the tmpfs and is gone when the test process ends.
 */
function kitMounts(kitDir: string): string[] {
  const args = ["--size", String(TMP_BYTES), "--tmpfs", kitDir];
  for (const name of readdirSync(kitDir).sort()) {
    if (KIT_HIDDEN.includes(name)) continue;
    const entry = path.join(kitDir, name);
    if (name === "node_modules" && lstatSync(entry).isSymbolicLink()) args.push(...linkedOutOf(entry));
    else args.push(...roBind(entry));
  }
  return args;
}

/** /usr read-only, and /bin, /lib, ... as the links or folders they are on this host. */
function systemDirs(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const top of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    if (!existsSync(top)) continue;
    const stat = lstatSync(top);
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(top), top);
    else args.push("--ro-bind", top, top);
  }
  for (const file of ETC_FILES) args.push("--ro-bind-try", `/etc/${file}`, `/etc/${file}`);
  return args;
}

function roBind(dir: string): string[] {
  return ["--ro-bind", dir, dir];
}

/** An installation that links node_modules/ elsewhere (a shared store) keeps working. */
function linkedOutOf(nodeModules: string): string[] {
  const target = realpathSync(nodeModules);
  return [...roBind(target), "--symlink", target, nodeModules];
}

/** The runtime binary, when it lives outside /usr and the kit (nvm, ~/.deno/bin, ...). */
function runtimeMounts(kitDir: string): string[] {
  const binary = runtimeBinary();
  const real = realpathSync(binary);
  const inside = (file: string) => ["/usr", kitDir].some((dir) => file === dir || file.startsWith(dir + path.sep));
  const args: string[] = [];
  if (!inside(real)) args.push(...roBind(path.dirname(real)));
  if (binary !== real && !inside(binary)) args.push("--ro-bind", real, binary);
  return args;
}

/** A small writable tmpfs over `dir`, when it exists: writes there stay inside this sandbox. */
function privateTmpfs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const real = realpathSync(dir);
  return ["--size", String(TMP_BYTES), "--tmpfs", real];
}

/** An empty, read-only folder over `dir`, when it exists. */
function emptied(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const real = realpathSync(dir);
  return ["--tmpfs", real, "--remount-ro", real];
}
