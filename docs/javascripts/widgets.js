// The live figures of the book: each <div class="clear-rnn-widget"
// data-widget="..."> becomes a small set of plain HTML controls and a figure.
// The numbers come from the `rnn` package, run by the page's one Python
// interpreter (window.clearRnn.run, in run.js); this file only draws them.
// Nothing loads before the reader presses a widget's Start button.
(() => {
  const widgets = [...document.querySelectorAll(".clear-rnn-widget[data-widget]")];
  if (widgets.length === 0) return;
  const SVG = "http://www.w3.org/2000/svg";
  let serial = 0;

  // --- Python ------------------------------------------------------------------

  // Runs `body` with `args` (any JSON) bound to the name `args`; `body` prints
  // one line of JSON, which this returns. A Python error is thrown as its last line.
  async function python(body, args = {}, files = []) {
    const code = `import json\nargs = json.loads(${JSON.stringify(JSON.stringify(args))})\n${body}`;
    const { ok, stdout, stderr } = await window.clearRnn.run(code, files);
    const lines = (ok ? stdout : stderr || stdout).trim().split("\n");
    if (!ok) throw new Error(lines[lines.length - 1]);
    return JSON.parse(lines[lines.length - 1]);
  }

  // Calls `compute` for the latest value of the controls, never two at once:
  // what changes during a run is computed once, after it.
  function latest(compute) {
    let running = false;
    let again = false;
    return async function update() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await compute();
      } finally {
        running = false;
        if (again) {
          again = false;
          update();
        }
      }
    };
  }

  // --- HTML ----------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  function control(label, input) {
    input.id = `clear-rnn-${++serial}`;
    return el("div", { class: "widget-control" }, el("label", { for: input.id, text: label }), input);
  }

  function range(min, max, step, value) {
    return el("input", { type: "range", min, max, step, value });
  }

  function button(text) {
    return el("button", { type: "button", class: "run-button", text });
  }

  // A table, the text alternative of a figure, folded under its figure.
  function table(caption, head, rows) {
    const t = el("table", { tabindex: "0" }, el("caption", { text: caption })); // scrolls on a phone
    t.append(el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))));
    t.append(el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: c }))))));
    return t;
  }

  // The frame of every widget: a Start button, a status line read to screen
  // readers, and the widget's own body, shown once Python is ready.
  function frame(root, title, start) {
    root.replaceChildren();
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", title);
    const go = button(`Start: ${title}`);
    const status = el("p", { class: "widget-status", role: "status" });
    const body = el("div", { class: "widget-body" });
    body.hidden = true;
    root.append(el("div", { class: "widget-buttons" }, go, status), body);
    go.addEventListener("click", async () => {
      go.disabled = true;
      status.textContent = "Starting Python (the first time, it downloads Python and NumPy)…";
      const t0 = performance.now();
      try {
        await start(body, status);
        body.hidden = false;
        go.remove();
        status.textContent = `Ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        root.dataset.ready = "";
      } catch (error) {
        go.disabled = false;
        status.textContent = `Could not start: ${error.message}`;
      }
    });
    return status;
  }

  // --- SVG -----------------------------------------------------------------------

  function svg(tag, attrs = {}) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  function text(x, y, content, attrs = {}) {
    const t = svg("text", { x, y, ...attrs });
    t.textContent = content;
    return t;
  }

  // Horizontal bars: rows [[label, value in 0..1]], value printed at the end.
  function bars(rows, label) {
    const W = 480, row = 24, left = 48;
    const s = svg("svg", { viewBox: `0 0 ${W} ${rows.length * row + 4}`, role: "img", "aria-label": label, class: "widget-figure" });
    rows.forEach(([name, p], i) => {
      const y = i * row + 2;
      s.append(text(left - 8, y + 15, name, { "text-anchor": "end", class: "widget-mono" }));
      s.append(svg("rect", { x: left, y: y + 2, width: Math.max(0.5, p * (W - left - 60)), height: row - 6, class: "widget-bar" }));
      s.append(text(left + p * (W - left - 60) + 5, y + 15, `${(100 * p).toFixed(1)}%`));
    });
    return s;
  }

  // Lines on axes: series [{points: [[x, y]], cls}], optional dashed level lines
  // [{y, label}]; y on a log scale if `log`.
  function lines({ series, levels = [], xLabel, yLabel, log = false, label, xMax, yMin, yMax }) {
    const W = 480, H = 260, L = 66, R = 12, T = 12, B = 40;
    const f = log ? Math.log10 : (v) => v;
    const ys = series.flatMap((s) => s.points.map((p) => f(p[1]))).concat(levels.map((l) => f(l.y)));
    const lo = yMin !== undefined ? f(yMin) : Math.min(...ys);
    const hi = yMax !== undefined ? f(yMax) : Math.max(...ys);
    const span = hi - lo || 1;
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const xHi = xMax !== undefined ? xMax : Math.max(1, ...xs);
    const px = (x) => L + (x / xHi) * (W - L - R);
    const py = (y) => T + (1 - (Math.min(hi, Math.max(lo, f(y))) - lo) / span) * (H - T - B);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "widget-figure" });
    s.append(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "widget-axis" }));
    s.append(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "widget-axis" }));
    for (let i = 0; i <= 4; i++) {
      const v = lo + (span * i) / 4;
      const y = T + (1 - i / 4) * (H - T - B);
      s.append(text(L - 6, y + 4, log ? `1e${v.toFixed(0)}` : v.toFixed(2), { "text-anchor": "end" }));
      const x = L + (i / 4) * (W - L - R);
      s.append(text(x, H - B + 16, (xHi * i / 4).toFixed(0), { "text-anchor": "middle" }));
    }
    s.append(text((L + W - R) / 2, H - 6, xLabel, { "text-anchor": "middle" }));
    s.append(text(14, (T + H - B) / 2, yLabel, { "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` }));
    for (const level of levels) {
      s.append(svg("line", { x1: L, x2: W - R, y1: py(level.y), y2: py(level.y), class: "widget-level" }));
      const below = py(level.y) < T + 16; // no room above the line: write under it
      s.append(text(W - R - 4, py(level.y) + (below ? 15 : -5), level.label, { "text-anchor": "end" }));
    }
    for (const { points, cls } of series) {
      const d = points.map(([x, y], i) => `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join("");
      s.append(svg("path", { d, class: cls || "widget-line" }));
    }
    return s;
  }

  // --- 1. the sampling playground (sampling page) ---------------------------------

  function sampling(root) {
    frame(root, "the sampling playground", async (body) => {
      const prime = el("textarea", { rows: 2, spellcheck: "false", autocapitalize: "off", class: "widget-text" });
      prime.value = "NAME\n";
      const temperature = range(0, 2, 0.05, 1);
      const topK = el("input", { type: "number", min: 1, max: 97, step: 1, placeholder: "all" });
      const tShown = el("output");
      const figure = el("div", { class: "widget-plot", "aria-hidden": "true" });
      const alt = el("details", {}, el("summary", { text: "The bars as a table" }));
      const write = button("Write 300 characters");
      const written = el("pre", { class: "widget-written", "aria-label": "Written", tabindex: "0" });
      written.hidden = true;
      const error = el("p", { class: "widget-error", role: "alert" });
      body.append(
        control("Prime (what the model reads first)", prime),
        el("div", { class: "widget-row" }, control("Temperature (0 = greedy)", temperature), tShown, control("Top-k (empty: all)", topK)),
        error, figure, alt, el("div", { class: "widget-buttons" }, write), written,
      );
      tShown.htmlFor = temperature.id;
      const settings = () => ({
        prime: prime.value,
        temperature: Number(temperature.value),
        top_k: topK.value === "" ? null : Math.max(1, Math.round(Number(topK.value))),
      });
      const update = latest(async () => {
        tShown.textContent = Number(temperature.value).toFixed(2);
        const args = settings();
        try {
          const rows = await python(
            "from rnn.playground import next_chars\nprint(json.dumps(next_chars(**args)))", args);
          error.textContent = "";
          const shown = rows.map(([c, p]) => [JSON.stringify(c).slice(1, -1) || " ", p]);
          const caption = `The 10 likeliest next characters after the prime, at temperature ${args.temperature}`;
          figure.replaceChildren(bars(shown.map(([c, p]) => [c === " " ? "␣" : c, p]), caption));
          alt.replaceChildren(alt.firstChild, table(caption, ["character", "probability"],
            shown.map(([c, p]) => [c === " " ? "space" : c, p.toFixed(4)])));
          root.dataset.shown = JSON.stringify({ args, rows });
        } catch (e) {
          error.textContent = e.message;
        }
      });
      for (const input of [prime, temperature, topK]) input.addEventListener("input", update);
      write.addEventListener("click", async () => {
        write.disabled = true;
        try {
          const s = settings();
          written.textContent = s.prime + await python(
            "from rnn.playground import write\nprint(json.dumps(write(n=300, **args)))", s);
          written.hidden = false;
          error.textContent = "";
        } catch (e) {
          error.textContent = e.message;
        } finally {
          write.disabled = false;
        }
      });
      await update();
    });
  }

  // --- 2. inside the model (inside page) -------------------------------------------

  function inside(root) {
    frame(root, "inside the model", async (body) => {
      const start = await python(
        "from rnn.inside import excerpt, shipped\n" +
        "units = json.load(open('data/runs/units.json'))['features']\n" +
        "print(json.dumps({'text': excerpt(), 'units': units, 'H': shipped().model.hidden_size}))",
        {}, ["data/runs/units.json"]);
      const box = el("textarea", { rows: 6, spellcheck: "false", autocapitalize: "off", class: "widget-text" });
      box.value = start.text;
      const unit = el("select");
      const named = new Set();
      for (const [name, f] of Object.entries(start.units)) {
        unit.append(el("option", { value: f.unit, text: `unit ${f.unit}: ${name} (r = ${f.correlation.toFixed(2)})` }));
        named.add(f.unit);
      }
      for (let u = 0; u < start.H; u++) if (!named.has(u)) unit.append(el("option", { value: u, text: `unit ${u}` }));
      const by = el("select");
      by.append(el("option", { value: "unit", text: "the unit's value (red +, blue −)" }),
        el("option", { value: "bits", text: "surprise, −log₂ p, in bits" }));
      const shown = el("div", { class: "widget-reading", tabindex: "0", role: "application",
        "aria-roledescription": "text coloured character by character",
        "aria-label": "The text, coloured. Left and right arrows move from character to character." });
      const guess = el("p", { class: "widget-guess", "aria-live": "polite" });
      const alt = el("details", {}, el("summary", { text: "Every character as a table" }));
      const error = el("p", { class: "widget-error", role: "alert" });
      body.append(control("Text the model reads", box),
        el("div", { class: "widget-row" }, control("Hidden unit", unit), control("Colour by", by)),
        error, shown, guess, alt);
      let reading = null;
      let at = 1;
      const label = (c) => (c === "\n" ? "newline" : c === " " ? "space" : c);
      function point(i) {
        if (!reading || i < 0 || i >= reading.chars.length) return;
        at = i;
        shown.querySelectorAll(".widget-at").forEach((s) => s.classList.remove("widget-at"));
        const span = shown.children[i];
        span.classList.add("widget-at");
        shown.setAttribute("aria-activedescendant", span.id);
        const r = reading;
        guess.textContent = i === 0
          ? `“${label(r.chars[0])}” starts the text: no prediction. Unit ${r.unit}: ${r.activation[0].toFixed(2)}.`
          : `“${label(r.chars[i])}”: ${r.bits[i].toFixed(2)} bits; unit ${r.unit}: ${r.activation[i].toFixed(2)}. ` +
            `The model's top 5: ${r.guesses[i].map(([c, p]) => `${label(c)} ${(100 * p).toFixed(1)}%`).join(", ")}.`;
      }
      function paint() {
        const r = reading;
        const spans = [...r.chars].map((c, i) => {
          const s = el("span", { id: `${root.id || "inside"}-c${i}`, "data-i": i, text: c });
          let colour;
          if (by.value === "bits") {
            colour = i === 0 ? "transparent" : `rgba(230, 120, 0, ${Math.min(1, r.bits[i] / 8) * 0.55})`;
          } else {
            const a = r.activation[i];
            colour = a >= 0 ? `rgba(220, 38, 38, ${0.5 * a})` : `rgba(37, 99, 235, ${-0.5 * a})`;
          }
          s.style.background = colour;
          return s;
        });
        shown.replaceChildren(...spans);
        alt.replaceChildren(alt.firstChild, table(`Unit ${r.unit} and surprise, character by character`,
          ["position", "character", `unit ${r.unit}`, "surprise (bits)", "top guess"],
          [...r.chars].map((c, i) => [i, label(c), r.activation[i].toFixed(3),
            i ? r.bits[i].toFixed(3) : "", i ? label(r.guesses[i][0][0]) : ""])));
        point(Math.min(at, r.chars.length - 1));
      }
      const update = latest(async () => {
        const args = { text: box.value, unit: Number(unit.value) };
        try {
          reading = { ...await python("from rnn.inside import read\nprint(json.dumps(read(**args)))", args),
            chars: args.text, unit: args.unit };
          error.textContent = "";
          paint();
        } catch (e) {
          error.textContent = e.message;
        }
      });
      box.addEventListener("input", update);
      unit.addEventListener("change", update);
      by.addEventListener("change", () => reading && paint());
      shown.addEventListener("mouseover", (e) => e.target.dataset.i && point(Number(e.target.dataset.i)));
      shown.addEventListener("keydown", (e) => {
        const step = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity }[e.key];
        if (step === undefined || !reading) return;
        e.preventDefault();
        point(Math.max(0, Math.min(reading.chars.length - 1, at + step)));
      });
      await update();
    });
  }

  // --- 3. train it here (inside page) ------------------------------------------------

  function train(root) {
    frame(root, "train an RNN here", async (body) => {
      const info = await python(
        "from rnn.inside import BROWSER, corpus\ncorpus()\n" +
        "ngram = json.load(open('data/runs/ngram.json'))['val_bpc']['5']\n" +
        "print(json.dumps({'settings': BROWSER, 'ngram': ngram}))",
        {}, ["data/runs/ngram.json"]);
      const go = button("Train");
      const stop = button("Stop");
      stop.disabled = true;
      const speed = el("p", { class: "widget-status", role: "status" });
      const figure = el("div", { class: "widget-plot", "aria-hidden": "true" });
      const alt = el("details", {}, el("summary", { text: "The curve as a table" }));
      const sample = el("pre", { class: "widget-written", "aria-label": "The latest sample", tabindex: "0" });
      sample.hidden = true;
      const { hidden_size: H, batch_size: B, seq_length: T, learning_rate: rate } = info.settings;
      body.append(
        el("p", { text: `H = ${H} hidden units, B = ${B} streams, T = ${T} steps per window, Adam at ${rate}.` }),
        el("div", { class: "widget-buttons" }, go, stop, speed), figure, alt, sample);
      let stopping = false;
      let curve = [];
      function draw() {
        const caption = "Validation bits per character against seconds since Train was pressed";
        figure.replaceChildren(lines({
          series: [{ points: curve.map((c) => [c.seconds, c.bpc]) }],
          levels: [{ y: info.ngram, label: `5-gram, ${info.ngram} bits/char` }],
          xLabel: "seconds since Train", yLabel: "bits per character", label: caption,
          xMax: Math.max(60, ...curve.map((c) => c.seconds)), yMin: 1.5, yMax: Math.max(5, ...curve.map((c) => c.bpc)),
        }));
        alt.replaceChildren(alt.firstChild, table(caption, ["seconds", "characters", "bits per character"],
          curve.map((c) => [c.seconds.toFixed(1), c.chars.toLocaleString("en"), c.bpc.toFixed(3)])));
        root.dataset.curve = JSON.stringify(curve);
      }
      const TRAIN = "import __main__\nprint(json.dumps(__main__.trainer.train_for(args['seconds'])))";
      const VALIDATE = "import __main__\nprint(json.dumps(__main__.trainer.val_bpc()))";
      const SAMPLE = "import __main__\nprint(json.dumps(__main__.trainer.sample(200, args['seed'])))";
      go.addEventListener("click", async () => {
        go.disabled = true;
        stop.disabled = false;
        stopping = false;
        curve = [];
        try {
          const t0 = performance.now();
          const wall = () => (performance.now() - t0) / 1000;
          await python("import __main__\nfrom rnn.inside import BROWSER, Trainer\n" +
            "__main__.trainer = Trainer(**BROWSER)\nprint('null')");
          curve.push({ seconds: wall(), chars: 0, bpc: await python(VALIDATE) });
          draw();
          let last = { chars: 0, seconds: 0 };
          let sampled = 0;
          while (!stopping) {
            last = await python(TRAIN, { seconds: 0.4 });
            speed.textContent = `${Math.round(last.chars / last.seconds).toLocaleString("en")} characters/s, ` +
              `${last.chars.toLocaleString("en")} characters in ${wall().toFixed(0)} s`;
            if (stopping) break;
            if (wall() - curve[curve.length - 1].seconds >= 5) {
              const bpc = await python(VALIDATE);
              curve.push({ seconds: wall(), chars: last.chars, bpc });
              draw();
            }
            if (wall() - sampled >= 10) {
              sampled = wall();
              sample.textContent = await python(SAMPLE, { seed: curve.length });
              sample.hidden = false;
            }
          }
          speed.textContent = `Stopped after ${wall().toFixed(1)} s, ` +
            `${last.chars.toLocaleString("en")} characters, ` +
            `${Math.round(last.chars / Math.max(last.seconds, 1e-9)).toLocaleString("en")} characters/s`;
        } catch (e) {
          speed.textContent = `Training failed: ${e.message}`;
        } finally {
          go.disabled = false;
          stop.disabled = true;
          go.textContent = "Train again, from scratch";
        }
      });
      stop.addEventListener("click", () => {
        stopping = true;
        stop.disabled = true;
        go.focus();
      });
      draw();
    });
  }

  // --- 4. the gradient through time (dhnext page) ------------------------------------

  function decay(root) {
    frame(root, "the gradient through time", async (body) => {
      const scale = range(-2, 0, 0.05, -1.5);
      const hidden = range(16, 256, 16, 96);
      const scaleShown = el("output");
      const hiddenShown = el("output");
      const factor = el("p", { class: "widget-factor", role: "status" });
      const figure = el("div", { class: "widget-plot", "aria-hidden": "true" });
      const alt = el("details", {}, el("summary", { text: "The curve as a table" }));
      body.append(
        el("div", { class: "widget-row" },
          control("Scale of Whh (log₁₀)", scale), scaleShown,
          control("Hidden size H", hidden), hiddenShown),
        factor, figure, alt);
      scaleShown.htmlFor = scale.id;
      hiddenShown.htmlFor = hidden.id;
      const settings = () => ({ hidden_size: Number(hidden.value), whh_scale: Number((10 ** Number(scale.value)).toPrecision(3)) });
      const update = latest(async () => {
        const s = settings();
        scaleShown.textContent = `scale ${s.whh_scale}`;
        hiddenShown.textContent = `H = ${s.hidden_size}`;
        const r = await python("from rnn.decay import decay\nprint(json.dumps(decay(**args)))", s);
        factor.textContent = `Per-step factor: ${r.factor.toFixed(3)} (${r.factor < 1 ? "vanishing" : "exploding"}); ` +
          `largest singular value of Whh: ${r.sigma_max.toFixed(2)}; 40 steps back: ${r.ratio[r.ratio.length - 1].toExponential(1)}`;
        const caption = `|dL/dh[t-k]| / |dL/dh[t]| against k, log scale, for H = ${s.hidden_size} and Whh scale ${s.whh_scale}`;
        figure.replaceChildren(lines({
          series: [{ points: r.ratio.map((v, k) => [k, Math.max(v, 1e-30)]) }],
          levels: [{ y: 1, label: "1: as strong as at the loss" }],
          xLabel: "steps back, k", yLabel: "gradient norm ratio (log)", log: true, label: caption,
          xMax: r.ratio.length,
        }));
        alt.replaceChildren(alt.firstChild, table(caption, ["k", "ratio"], r.ratio.map((v, k) => [k, v.toExponential(2)])));
        root.dataset.result = JSON.stringify({ ...s, ...r });
      });
      scale.addEventListener("input", update);
      hidden.addEventListener("input", update);
      await update();
    });
  }

  const kinds = { sampling, inside, train, decay };
  widgets.forEach((root, i) => {
    root.id = root.id || `clear-rnn-widget-${i}`;
    kinds[root.dataset.widget](root);
  });
})();
