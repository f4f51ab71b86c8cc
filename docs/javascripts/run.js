// Run, Edit and Reset under every in-place Python block that the site build
// marked with data-run (docs/overrides/hooks/run_in_browser.py).
//
// Nothing of Python loads before the first click. Then a worker
// (run-worker.js) loads Pyodide, NumPy and the site's own wheel of `rnn`,
// served from the site's pyodide/ folder, and keeps them for the page: later
// runs reuse the interpreter. Each run starts from fresh globals, as under
// pytest-codeblocks, so a block sees nothing another block defined; a block
// marked as a continuation (pytest-codeblocks:cont) runs after the block it
// continues. Imported modules, NumPy's global random state and the files in
// the worker's file system do carry over from run to run.
(() => {
  const script = document.currentScript;
  const root = new URL("../", script.src).href;
  const workerURL = new URL("run-worker.js", script.src).href;
  const blocks = [...document.querySelectorAll("div.language-python.highlight[data-run]")];

  let worker = null;
  let ready = null; // a promise: the worker has loaded Python
  let manifest = null;
  let current = null; // {onMessage}: where the worker's messages go
  let busy = false; // one run at a time: the page has one interpreter
  // A run cannot be interrupted inside the worker: Stop ends the worker, and
  // the next Run starts Python again.
  const STOPPED = "Stopped";

  const seconds = (start) => ((performance.now() - start) / 1000).toFixed(1);

  async function loadManifest() {
    if (manifest === null) {
      const response = await fetch(root + "pyodide/manifest.json", { cache: "no-cache" });
      if (!response.ok) throw new Error(`pyodide/manifest.json: HTTP ${response.status}`);
      manifest = await response.json();
    }
    return manifest;
  }

  function startWorker(status) {
    ready = (async () => {
      const m = await loadManifest();
      if (m.missing) throw new Error(m.missing);
      const mb = (m.download_bytes / 1e6).toFixed(0);
      status(`Loading Python and NumPy (${mb} MB, cached after the first time)`);
      worker = new Worker(workerURL);
      worker.onmessage = ({ data }) => current && current.onMessage(data);
      worker.onerror = (event) => current && current.onMessage({ type: "fatal", text: event.message });
      await new Promise((resolve, reject) => {
        current = {
          onMessage: (data) => {
            if (data.type === "ready") resolve();
            else if (data.type === "fatal" || data.type === "stopped") reject(new Error(data.text));
            else if (data.type === "status") status(data.text);
          },
        };
        worker.postMessage({ type: "init", root, manifest: m });
      });
    })();
    ready.catch(() => {
      ready = null; // the next click tries again
      if (worker) worker.terminate();
      worker = null;
    });
    return ready;
  }

  function stopWorker() {
    if (worker) worker.terminate();
    worker = null;
    ready = null;
  }

  // The files a run reads: those the build found in the block, and every file
  // the site serves (all the data the package ships) that the code names, an
  // f-string's `{...}` matching any part of a name, as in the build's hook.
  function filesFor(code, block) {
    const listed = block.dataset.runFiles.split(" ").filter(Boolean);
    const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const patterns = [...code.matchAll(/["'](data\/[^"'\n]+)["']/g)].map(
      ([, literal]) => new RegExp("^" + literal.split(/\{[^}]*\}/).map(escape).join("[^/]*") + "$")
    );
    const named = Object.keys(manifest.files).filter((path) => patterns.some((p) => p.test(path)));
    return [...new Set([...listed, ...named])];
  }

  function button(label, title) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "run-button";
    b.textContent = label;
    b.title = title;
    return b;
  }

  function setUp(block, index) {
    const pre = block.querySelector("pre");
    const original = block.querySelector("code").textContent.replace(/\n$/, "");
    let editor = null;

    const bar = document.createElement("div");
    bar.className = "run-bar";
    const run = button("▶ Run", "Run this block in your browser (Python in WebAssembly)");
    run.setAttribute("aria-label", "Run this block");
    const stop = button("Stop", "Stop the run; Python starts again on the next Run");
    stop.hidden = true;
    const edit = button("Edit", "Edit the code, then Run it");
    const reset = button("Reset", "Back to the code of the page");
    reset.hidden = true;
    const status = document.createElement("span");
    status.className = "run-status";
    status.setAttribute("role", "status");
    bar.append(run, stop, edit, reset, status);

    // Output is read out as it arrives; its box can be reached and scrolled by
    // keyboard (a wide table scrolls sideways on a phone).
    const output = (kind, label) => {
      const pre = document.createElement("pre");
      pre.className = `run-${kind}`;
      pre.hidden = true;
      pre.tabIndex = 0;
      pre.setAttribute("aria-label", label);
      pre.setAttribute("aria-live", "polite");
      return pre;
    };
    const stdout = output("stdout", "Output");
    const stderr = output("stderr", "Errors");
    block.after(bar, stdout, stderr);

    const code = () => (editor ? editor.value : original);
    const source = () => {
      const parts = [code()];
      for (let i = index; i > 0 && blocks[i].hasAttribute("data-run-cont"); i--) {
        parts.unshift(blocks[i - 1].runCode());
      }
      return parts.join("\n");
    };
    block.runCode = code;

    function openEditor() {
      editor = document.createElement("textarea");
      editor.className = "run-editor";
      editor.value = original;
      editor.rows = original.split("\n").length + 1;
      editor.spellcheck = false;
      editor.setAttribute("autocapitalize", "off");
      editor.setAttribute("aria-label", "Code of the block (Ctrl+Enter runs it)");
      editor.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          run.click();
        }
      });
      pre.hidden = true;
      pre.after(editor);
      edit.hidden = true;
      reset.hidden = false;
      editor.focus();
    }

    function resetBlock() {
      if (editor) editor.remove();
      editor = null;
      pre.hidden = false;
      edit.hidden = false;
      reset.hidden = true;
      stdout.hidden = stderr.hidden = true;
      stdout.textContent = stderr.textContent = status.textContent = "";
      edit.focus();
    }

    async function runBlock() {
      if (busy) {
        status.textContent = "Another block is running";
        return;
      }
      busy = true;
      const start = performance.now();
      let label = "";
      const show = (text) => {
        label = text;
        status.textContent = `${label}… ${seconds(start)} s`;
      };
      const tick = setInterval(() => (status.textContent = `${label}… ${seconds(start)} s`), 200);
      run.disabled = true;
      stop.hidden = false;
      stdout.textContent = stderr.textContent = "";
      stdout.hidden = stderr.hidden = true;
      try {
        let started = "";
        if (!ready) {
          await startWorker(show);
          started = `, ${seconds(start)} s of it to start Python`;
        }
        await ready;
        const text = source();
        const ok = await new Promise((resolve, reject) => {
          current = {
            onMessage: (data) => {
              if (data.type === "out" && data.text) {
                const out = data.stream === "stdout" ? stdout : stderr;
                out.textContent += data.text;
                out.hidden = false;
              } else if (data.type === "status") {
                show(data.text);
              } else if (data.type === "done") {
                resolve(data.ok);
              } else if (data.type === "fatal" || data.type === "stopped") {
                reject(new Error(data.text));
              }
            },
          };
          show("Running");
          worker.postMessage({ type: "run", code: text, files: filesFor(text, block) });
        });
        const took = `${seconds(start)} s${started}`;
        status.textContent = ok ? `Ran in ${took}` : `Failed after ${took}`;
      } catch (error) {
        stopWorker();
        status.textContent =
          error.message === STOPPED
            ? `${STOPPED} after ${seconds(start)} s`
            : `Could not run: ${error.message}`;
      } finally {
        stop.hidden = true;
        clearInterval(tick);
        current = null;
        busy = false;
        run.disabled = false;
      }
    }

    run.addEventListener("click", runBlock);
    stop.addEventListener("click", () => {
      if (current) current.onMessage({ type: "stopped", text: STOPPED });
      run.focus();
    });
    edit.addEventListener("click", openEditor);
    reset.addEventListener("click", resetBlock);
  }

  blocks.forEach(setUp);

  // The page's other scripts (widgets.js, exercises.js) run their Python here
  // too, one run at a time with the Run buttons: clearRnn.run(code, files,
  // status) resolves to {ok, stdout, stderr} once the interpreter is free and
  // the code has run; `status` gets the loading messages.
  let queue = Promise.resolve();
  async function runForScript(code, files, status) {
    while (busy) await new Promise((resolve) => setTimeout(resolve, 50));
    busy = true;
    const out = { stdout: "", stderr: "" };
    try {
      if (!ready) startWorker(status);
      await ready;
      const ok = await new Promise((resolve, reject) => {
        current = {
          onMessage: (data) => {
            if (data.type === "out") out[data.stream] += data.text;
            else if (data.type === "status") status(data.text);
            else if (data.type === "done") resolve(data.ok);
            else if (data.type === "fatal" || data.type === "stopped") reject(new Error(data.text));
          },
        };
        worker.postMessage({ type: "run", code, files });
      });
      return { ok, ...out };
    } catch (error) {
      stopWorker();
      throw error;
    } finally {
      current = null;
      busy = false;
    }
  }
  window.clearRnn = {
    run(code, files = [], status = () => {}) {
      const result = queue.then(() => runForScript(code, files, status));
      queue = result.catch(() => {});
      return result;
    },
  };
})();
