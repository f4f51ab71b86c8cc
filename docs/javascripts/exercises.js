// "Check" under each exercise's block (a <div class="exercise"
// data-exercise="NAME"> on a concept page): the code in the block, as the
// reader edited it, is graded by rnn.exercises.grade in the page's Python
// (run.js's window.clearRnn.run), and the verdict is shown below the block.
// Nothing leaves the browser.
(() => {
  const exercises = document.querySelectorAll(".exercise[data-exercise]");
  for (const exercise of exercises) {
    const block = exercise.querySelector("div.language-python.highlight[data-run]");
    const bar = block && block.nextElementSibling;
    if (!bar || !bar.classList.contains("run-bar") || !window.clearRnn) continue;
    const name = exercise.dataset.exercise;

    const check = document.createElement("button");
    check.type = "button";
    check.className = "run-button exercise-check";
    check.textContent = "✓ Check";
    check.title = `Grade your ${name} in your browser against the book's`;
    check.setAttribute("aria-label", `Check your ${name}`);
    bar.prepend(check);

    const verdict = document.createElement("p");
    verdict.className = "exercise-verdict";
    verdict.setAttribute("role", "status");
    verdict.setAttribute("aria-live", "polite");
    verdict.hidden = true;
    exercise.append(verdict);

    const show = (text, kind) => {
      verdict.textContent = text;
      verdict.dataset.verdict = kind;
      verdict.hidden = false;
    };

    check.addEventListener("click", async () => {
      check.disabled = true;
      show("Checking…", "busy");
      // JSON string literals are Python string literals too.
      const code = `from rnn.exercises import grade\n` +
        `print(grade(${JSON.stringify(name)}, ${JSON.stringify(block.runCode())}))`;
      try {
        const { ok, stdout, stderr } = await window.clearRnn.run(code, [], (text) => show(text, "busy"));
        const line = stdout.trim();
        if (ok && line.startsWith("Pass")) show(line, "pass");
        else if (ok) show(line, "not-yet");
        else show(`The grader failed: ${stderr.trim()}`, "not-yet");
      } catch (error) {
        show(`Could not check: ${error.message}`, "not-yet");
      } finally {
        check.disabled = false;
      }
    });
  }
})();
