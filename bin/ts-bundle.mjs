// Starts a TypeScript entry point without a build step, faster than tsx's loader alone (run-ts.mjs, cabin-devices.mjs).
//
// tsx compiles each TypeScript module of the program in its loader's hooks thread, one module at a time as the main
// thread asks: a CLI start of the hub spends ~1.6 s of its ~2.1 s there (an idle 2-core machine), and the tests start
// the CLIs hundreds of times. Here the entry and every project file it imports are bundled by esbuild into one ES module,
// kept in node_modules/.cache/cabin-run-ts/ and used again while none of its files changed (each file's mtime and size,
// from esbuild's metafile, checked at each start: a few hundred stats). What the program does is the same as under tsx:
// - the same compiler and settings as tsx's (esbuild, target this Node, the names of functions and classes kept,
//   tsconfig.json read alike), and stack traces name the .ts files and lines (source maps on, as tsx turns them on);
// - packages stay outside the bundle (`packages: 'external'`): Node loads them from node_modules as before, native
//   modules included, and a bundle kept in node_modules/.cache finds the project's node_modules going up as any file does;
// - `import.meta.url`, `import.meta.dirname` and `import.meta.filename` are, in each file, that source file's own (an
//   esbuild `define` per file), so `new URL('./export-worker.mjs', import.meta.url)`, the device host's fork
//   (`--import tsx`, fork-host.ts) and the files read next to a module find what they found before;
// - a file that uses `import.meta` otherwise, or an `import()` of a computed specifier (a module esbuild cannot see),
//   is not bundled: tsx's loader runs the program as before. So does any failure here (esbuild missing: it is a
//   devDependency; a file esbuild refuses; a cache folder that cannot be written): tsx then reports, as it always did,
//   what is wrong with the code.
// The cache is never in the git tree (node_modules is ignored); deleting it is always safe.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'cabin-run-ts');
/** Changed whenever what is built changes (the options below), so an older cache is not used. */
const FORMAT = 1;
/** An older bundle of an entry is removed after this long (a process that has just read its name may still load it). */
const STALE_MS = 60_000;

/**
 * Imports the TypeScript module `file` (an absolute path): from its cached bundle, made or remade when needed, or,
 * when it cannot be bundled, through tsx's loader.
 */
export async function importTypeScript(file, tries = 2) {
  let bundle;
  try {
    if (tries > 0) bundle = fresh(file) ?? (await build(file));
  } catch {
    bundle = undefined;
  }
  if (bundle === undefined) {
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(file).href);
  }
  process.setSourceMapsEnabled(true);
  try {
    return await import(pathToFileURL(bundle).href);
  } catch (err) {
    // The bundle was swept by another process that remade it (a file changed) between the check and the load: no
    // code of it ran (the load failed first), so it is looked for again; any other error is the program's.
    const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(bundle) && !existsSync(bundle);
    if (!missing) throw err;
    return importTypeScript(file, tries - 1);
  }
}

/** The cache's files of one entry: `<key>.json` names the current bundle, `<key>-<hash>.mjs` (and its map). */
function keyOf(file) {
  return createHash('sha256')
    .update(JSON.stringify([FORMAT, file, process.versions.node]))
    .digest('hex')
    .slice(0, 16);
}

const stamp = (path) => {
  const s = statSync(path);
  return [s.mtimeMs, s.size];
};

/** The bundle of `file` if every file it was made from is as it was then; undefined otherwise (or when there is none). */
function fresh(file) {
  let record;
  try {
    record = JSON.parse(readFileSync(join(CACHE, `${keyOf(file)}.json`), 'utf8'));
  } catch {
    return undefined;
  }
  if (record.entry !== file || typeof record.bundle !== 'string' || typeof record.inputs !== 'object') return undefined;
  for (const [path, [mtime, size]] of Object.entries(record.inputs)) {
    let now;
    try {
      now = stamp(path);
    } catch {
      return undefined;
    }
    if (now[0] !== mtime || now[1] !== size) return undefined;
  }
  const bundle = join(CACHE, record.bundle);
  return existsSync(bundle) ? bundle : undefined;
}

/** A reason not to bundle: the program is then run by tsx, as before. */
class NotBundled extends Error {}

/** `import(` whose argument does not start as a string: a module esbuild cannot find, which only a loader can run. */
const COMPUTED_IMPORT = /\bimport\s*\(\s*(?!['"`]|\))/;
/** A use of `import.meta` left after the define of url, dirname and filename. */
const META = /\bimport\.meta\b/;

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

/** Builds the bundle of `file` into the cache and gives its path; throws NotBundled (or esbuild's error) when it cannot. */
async function build(file) {
  const esbuild = await import('esbuild');
  const target = `node${process.versions.node}`;
  // The files read, each stamped before it is read, so that one changed during the build is seen as changed next
  // time; first those that change how the code is built: the settings, esbuild itself, and this file.
  const stamps = {};
  for (const path of [join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json'), createRequire(import.meta.url).resolve('esbuild/package.json'), fileURLToPath(import.meta.url)]) {
    stamps[path] = stamp(path);
  }
  const perFile = {
    name: 'cabin-per-file',
    setup(b) {
      b.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
        stamps[args.path] = stamp(args.path);
        // Anything but the project's code (a JSON file) is esbuild's to load.
        if (!/\.[cm]?[jt]sx?$/.test(args.path) || args.path.split(/[\\/]/).includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const loader = LOADERS[extname(args.path)] ?? 'ts';
        if (COMPUTED_IMPORT.test(source)) throw new NotBundled(`${args.path} imports a computed module`);
        if (!META.test(source)) return { contents: source, loader };
        // import.meta.* of this file, replaced in its syntax tree (never in a string or a comment); the inline map
        // takes the bundle's source map back to this file's lines.
        const out = await esbuild.transform(source, {
          loader,
          format: 'esm',
          target,
          sourcefile: args.path,
          sourcemap: 'inline',
          tsconfigRaw: readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'),
          define: {
            'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
            'import.meta.filename': JSON.stringify(args.path),
            'import.meta.dirname': JSON.stringify(dirname(args.path)),
          },
        });
        if (META.test(out.code.replace(/\n\/\/# sourceMappingURL=.*$/s, ''))) throw new NotBundled(`${args.path} uses import.meta beyond url, dirname and filename`);
        return { contents: out.code, loader: 'js' };
      });
    },
  };
  mkdirSync(CACHE, { recursive: true });
  const key = keyOf(file);
  const out = join(CACHE, `${key}.mjs`);
  // esbuild's service (a child process) would otherwise stay for the life of the program (the hub, the kiosk's main,
  // the device host): stopped once the build is done, failed or not.
  const result = await esbuild
    .build({
    entryPoints: [file],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    packages: 'external',
    keepNames: true,
    sourcemap: 'external',
    sourcesContent: false,
    metafile: true,
    write: false,
    outfile: out,
    logLevel: 'silent',
    plugins: [perFile],
    })
    .finally(() => esbuild.stop());
  // Every input of the bundle was stamped as it was loaded.
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!(resolve(ROOT, input) in stamps)) throw new NotBundled(`${input} was not seen loading`);
  }
  const code = result.outputFiles.find((f) => f.path === out);
  const map = result.outputFiles.find((f) => f.path === `${out}.map`);
  if (code === undefined || map === undefined) throw new NotBundled('esbuild gave no bundle');
  const hash = createHash('sha256').update(code.contents).digest('hex').slice(0, 16);
  const name = `${key}-${hash}.mjs`;
  const text = `${code.text}//# sourceMappingURL=${name}.map\n`;
  // Each file written under a temporary name and renamed, so another process never reads half of one.
  const tmp = `.${process.pid}-${Date.now()}`;
  const put = (path, contents) => {
    writeFileSync(path + tmp, contents);
    renameSync(path + tmp, path);
  };
  put(join(CACHE, `${name}.map`), map.contents);
  put(join(CACHE, name), text);
  put(join(CACHE, `${key}.json`), JSON.stringify({ entry: file, bundle: name, inputs: stamps }));
  sweep(key, name);
  return join(CACHE, name);
}

/** Removes the older bundles of entry `key` (not `keep`) once no starting process can still be about to load them. */
function sweep(key, keep) {
  const now = Date.now();
  for (const f of readdirSync(CACHE)) {
    if (!f.startsWith(`${key}-`) || f === keep || f === `${keep}.map`) continue;
    try {
      if (now - statSync(join(CACHE, f)).mtimeMs > STALE_MS) unlinkSync(join(CACHE, f));
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
