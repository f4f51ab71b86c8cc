// The Python of the Run buttons (run.js), in a worker so that the page stays
// responsive while a block runs. One interpreter per page; each run gets fresh
// globals, as each block gets under pytest-codeblocks.
//
// Messages in:  {type: "init", root, manifest}
//               {type: "run", code, files}     files: repository paths to put in the FS
// Messages out: {type: "status", text} {type: "ready"} {type: "out", stream, text}
//               {type: "done", ok}     {type: "fatal", text}

// The blocks read "data/..." relative to the repository root: this folder is it.
const HOME = "/home/pyodide/clear-rnn";

// Runs one block. A failing block prints its traceback, without the frames of
// this helper, and with the lines of the block itself (linecache knows them).
const RUNNER = `
import linecache, sys, traceback

def run_block(code):
    name = "<block>"
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    try:
        exec(compile(code, name, "exec"), {"__name__": "__main__"})
    except BaseException as exc:
        sys.stdout.flush()
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return True
`;

let pyodide = null;
let runBlock = null;
let root = "";
const written = new Set();

function writer(stream) {
  const decoder = new TextDecoder();
  return (buffer) => {
    postMessage({ type: "out", stream, text: decoder.decode(buffer, { stream: true }) });
    return buffer.length;
  };
}

async function init(manifest) {
  const indexURL = root + "pyodide/";
  importScripts(indexURL + "pyodide.js");
  pyodide = await loadPyodide({ indexURL });
  pyodide.setStdout({ write: writer("stdout") });
  pyodide.setStderr({ write: writer("stderr") });
  const wheels = manifest.wheels.map((name) => indexURL + name);
  await pyodide.loadPackage([...manifest.packages, ...wheels], {
    messageCallback: () => {},
    errorCallback: (text) => postMessage({ type: "status", text }),
  });
  pyodide.FS.mkdirTree(HOME);
  pyodide.FS.chdir(HOME);
  pyodide.runPython(RUNNER);
  runBlock = pyodide.globals.get("run_block");
}

async function putFiles(paths) {
  for (const path of paths.filter((p) => !written.has(p))) {
    postMessage({ type: "status", text: `Fetching ${path}` });
    const response = await fetch(root + "pyodide/files/" + path);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    pyodide.FS.mkdirTree(HOME + "/" + path.split("/").slice(0, -1).join("/"));
    pyodide.FS.writeFile(HOME + "/" + path, bytes);
    written.add(path);
  }
}

onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      root = data.root;
      await init(data.manifest);
      postMessage({ type: "ready" });
    } else if (data.type === "run") {
      await putFiles(data.files);
      postMessage({ type: "status", text: "Running" });
      postMessage({ type: "done", ok: runBlock(data.code) });
    }
  } catch (error) {
    postMessage({ type: "fatal", text: String(error && error.message ? error.message : error) });
  }
};
