// `pnpm trace:create-call`: which source files one `POST /api/v1/calls` touches, from the HTTP
// request through D1 and the tenant's dispatcher to the call's Durable Object playing the call to
// its end (write-through and effects included).
//
// It runs apps/worker/test/trace/create-call.trace.ts under apps/worker/vitest.trace.config.ts
// (istanbul instrumentation, in workerd like the normal suite). The test resets the counters after
// its setup, records every function entry in the order it happens (see the test's header), and
// hands the raw result to the config's reporter; this script turns it into figures:
//   - a file counts if one of its FUNCTIONS ran after the reset (module top-level code, run at
//     import, does not count); only apps/worker/src/** and packages/*/src/** are reported;
//   - files are listed in the order their first function ran;
//   - a folder is a file's directory; a folder switch is two consecutive files of that list in
//     different folders, and a return is a switch into a folder the list had already left.
// Nothing here names a source file, so it keeps working when files move.
// Writes apps/worker/.trace/create-call.json (git-ignored).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const workerDir = join(root, "apps", "worker");
const traceDir = join(workerDir, ".trace");
const rawFile = join(traceDir, "create-call.raw.json");
const reportFile = join(traceDir, "create-call.json");
const logFile = join(traceDir, "vitest.log");
const rel = (p) => relative(root, p).split(sep).join("/");

mkdirSync(traceDir, { recursive: true });
rmSync(rawFile, { force: true });

console.log("Running test/trace/create-call.trace.ts with istanbul (vitest.trace.config.ts)…");
const vitest = spawnSync(process.execPath, [join(workerDir, "node_modules", "vitest", "vitest.mjs"), "run", "--config", "vitest.trace.config.ts"], {
  cwd: workerDir,
  encoding: "utf8",
  env: { ...process.env, TRACE_OUT: rawFile },
  maxBuffer: 64 * 1024 * 1024,
});
writeFileSync(logFile, `${vitest.stdout ?? ""}${vitest.stderr ?? ""}`);
if (vitest.status !== 0 || !existsSync(rawFile)) {
  process.stderr.write(`${vitest.stdout ?? ""}${vitest.stderr ?? ""}`);
  console.error(`\nThe trace run failed (exit ${vitest.status}${existsSync(rawFile) ? "" : ", no trace written"}); full log: ${rel(logFile)}`);
  process.exit(1);
}

const raw = JSON.parse(readFileSync(rawFile, "utf8"));

function scopeOf(path) {
  if (/^apps\/worker\/src\//.test(path)) return "apps/worker/src";
  if (/^packages\/[^/]+\/src\//.test(path)) return "packages";
  return null;
}

// The test lists files in the order of their first function entry.
const all = raw.files.map((f) => ({ ...f, path: rel(f.path) }));
const files = all
  .filter((f) => scopeOf(f.path) !== null)
  .map((f, i) => ({
    order: i + 1,
    path: f.path,
    folder: dirname(f.path),
    scope: scopeOf(f.path),
    firstFunction: f.firstFunction,
    functionsRun: f.functionsRun,
    functionsTotal: f.functionsTotal,
    functionCalls: f.functionCalls,
    functions: f.functions,
  }));
const outOfScope = all.filter((f) => scopeOf(f.path) === null).map((f) => f.path);

/** Folder switches along a sequence of folders, and how many of them go back to a folder already left. */
function switchesAlong(folders) {
  let switches = 0;
  let returns = 0;
  const seen = new Set();
  let previous = null;
  for (const folder of folders) {
    if (previous !== null && folder !== previous) {
      switches += 1;
      if (seen.has(folder)) returns += 1;
    }
    seen.add(folder);
    previous = folder;
  }
  return { switches, returns };
}

const firstTouch = switchesAlong(files.map((f) => f.folder));
// Every function entry, in order (consecutive entries in one file were collapsed by the test).
const byIndex = all.map((f) => (scopeOf(f.path) === null ? null : dirname(f.path)));
const streamFolders = raw.fileStream.map((i) => byIndex[i]).filter((folder) => folder !== null);
const everyEntry = switchesAlong(streamFolders);

const folders = [];
for (const f of files) {
  let entry = folders.find((x) => x.folder === f.folder);
  if (!entry) folders.push((entry = { folder: f.folder, files: [] }));
  entry.files.push(f.path);
}

const git = (args) => {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
};
const commit = git(["rev-parse", "HEAD"]);
const dirty = git(["status", "--porcelain", "--", "apps/worker/src", "packages"]);

const figures = {
  files: files.length,
  workerSrcFiles: files.filter((f) => f.scope === "apps/worker/src").length,
  packageFiles: files.filter((f) => f.scope === "packages").length,
  folders: folders.length,
  folderSwitches: firstTouch.switches,
  folderReturns: firstTouch.returns,
  folderSwitchesOverEveryFunctionEntry: everyEntry.switches,
};

const report = {
  what: "Source files with at least one function run while one POST /api/v1/calls was served and its call played to its end",
  commit,
  sourceChangesUncommitted: dirty ? true : dirty === null ? null : false,
  generatedAt: new Date().toISOString(),
  request: raw.request,
  finalStatus: raw.finalStatus,
  callEvents: raw.callEvents,
  functionEntries: raw.functionEntries,
  figures,
  definitions: {
    file: "a file under apps/worker/src or packages/*/src with at least one function entered after the reset (top-level module code does not count)",
    order: "files in the order their first function was entered (recorded per entry, not inferred from counts)",
    folder: "the file's directory",
    folderSwitches: "consecutive files of that order in different folders",
    folderReturns: "folder switches into a folder the order had already left",
    folderSwitchesOverEveryFunctionEntry: "folder changes between consecutive function entries over the whole execution (not only first touches)",
  },
  files,
  folders,
  outOfScope,
};
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

const pad = String(files.length).length;
console.log(`\nPOST /api/v1/calls → ${raw.request.status}; call ${raw.request.callId} ended ${raw.finalStatus} (${raw.callEvents.length} events in D1: ${raw.callEvents.map((e) => e.to_status ?? e.type).join(", ")})`);
console.log(`${raw.functionEntries} function entries after the reset.\n`);
console.log("Files touched (one of their functions ran), in first-touched order:");
let previous = null;
for (const f of files) {
  const mark = previous === null || f.folder === previous ? " " : "»";
  console.log(`  ${String(f.order).padStart(pad)} ${mark} ${f.path}`);
  previous = f.folder;
}
console.log(`  (» = folder switch)\n`);
console.log(`Files:    ${figures.files} (apps/worker/src: ${figures.workerSrcFiles}, packages/*/src: ${figures.packageFiles})`);
console.log(`Folders:  ${figures.folders}`);
console.log(`Folder switches in first-touched order: ${figures.folderSwitches}, of which ${figures.folderReturns} back to a folder already left`);
console.log(`Folder switches over all ${raw.functionEntries} function entries in execution order (not only first touches): ${figures.folderSwitchesOverEveryFunctionEntry}`);
if (outOfScope.length) console.log(`Not counted (outside apps/worker/src and packages/*/src): ${outOfScope.join(", ")}`);
console.log(`\nReport: ${rel(reportFile)}${commit ? ` (commit ${commit.slice(0, 12)}${dirty ? ", with uncommitted source changes" : ""})` : ""}`);
