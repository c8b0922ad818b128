// Alignment Studio pages: the parts that need an answer without a page load.
// Plain ES module, no dependencies, served by the studio itself. Every text from the server or
// a model is put in the page with textContent, never as markup.

const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";

/** Call a JSON endpoint of the studio; a non-2xx answer becomes an Error with its detail. */
async function api(path, body) {
  const init = { credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRF-Token"] = csrf;
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new Error(describe(data, response.status));
  }
  return data;
}

function describe(data, status) {
  const detail = data && data.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
  return `the request failed (HTTP ${status})`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setBusy(form, busy) {
  for (const control of form.querySelectorAll("button, textarea, select, input")) {
    control.disabled = busy;
  }
  form.setAttribute("aria-busy", busy ? "true" : "false");
}

function say(status, text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

// -- chat ---------------------------------------------------------------------------------------

function initChat() {
  const form = document.getElementById("chat-form");
  if (!form) return;
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-status");
  const message = form.elements.namedItem("message");
  const maxTurns = Number(form.dataset.maxTurns || "12");
  const conversation = [];

  function show(role, speaker, text) {
    const item = element("li", role);
    item.append(element("span", "speaker", speaker), document.createTextNode(text));
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = message.value.trim();
    if (!text) return;
    const model = form.elements.namedItem("model").value;
    conversation.push({ role: "user", content: text });
    show("user", "you", text);
    message.value = "";
    setBusy(form, true);
    say(status, `Waiting for ${model}…`);
    try {
      const reply = await api("/ui/api/chat", { model, messages: conversation.slice(-maxTurns) });
      conversation.push({ role: "assistant", content: reply.answer });
      show("assistant", reply.model, reply.answer);
      say(status, "");
    } catch (error) {
      conversation.pop();
      log.lastElementChild?.remove();
      message.value = text;
      say(status, error.message, true);
    } finally {
      setBusy(form, false);
      message.focus();
    }
  });

  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("chat-clear").addEventListener("click", () => {
    conversation.length = 0;
    log.replaceChildren();
    say(status, "New conversation.");
    message.focus();
  });
}

// -- the policy picker ----------------------------------------------------------------------

/** A checkbox list of policies: suggestions replace it, search results can be ticked in. */
function makePicker(fieldset) {
  const picked = fieldset.querySelector(".choices.picked");
  const found = fieldset.querySelector(".choices.found");
  const search = fieldset.querySelector(".policy-search");
  let timer = 0;
  let asked = 0;

  function option(hit, checked) {
    const item = element("li");
    const label = element("label");
    const box = element("input");
    box.type = "checkbox";
    box.name = "policy_ids";
    box.value = hit.id;
    box.checked = checked;
    label.append(box, element("code", "", hit.id), element("span", "text", shorten(hit.text, 140)));
    item.append(label);
    return item;
  }

  function shown() {
    return new Set([...picked.querySelectorAll("input")].map((box) => box.value));
  }

  found.addEventListener("change", (event) => {
    const item = event.target.closest("li");
    if (item && event.target.checked) picked.append(item);
  });

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = search.value.trim();
      const mine = ++asked;
      if (!query) {
        found.replaceChildren();
        return;
      }
      try {
        const hits = await api(`/ui/api/policies?q=${encodeURIComponent(query)}&limit=8`);
        if (mine !== asked) return;
        const have = shown();
        found.replaceChildren(...hits.filter((h) => !have.has(h.id)).map((h) => option(h, false)));
        if (!found.children.length) found.append(element("li", "muted", "No other policy matches."));
      } catch (error) {
        found.replaceChildren(element("li", "problem", error.message));
      }
    }, 250);
  });

  return {
    reset(suggestions) {
      picked.replaceChildren(...suggestions.map((hit) => option(hit, false)));
      found.replaceChildren();
      search.value = "";
    },
  };
}

function shorten(text, limit) {
  const flat = text.split(/\s+/).join(" ");
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

// -- compare --------------------------------------------------------------------------------

function initCompare() {
  const form = document.getElementById("compare-form");
  if (!form) return;
  const status = document.getElementById("compare-status");
  const answers = document.getElementById("answers");
  const grade = document.getElementById("grade-form");
  const picker = grade ? makePicker(grade.querySelector(".picker")) : null;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      prompt: form.elements.namedItem("prompt").value.trim(),
      model_a: form.elements.namedItem("model_a").value,
      model_b: form.elements.namedItem("model_b").value,
    };
    if (!body.prompt) return;
    setBusy(form, true);
    say(status, `Asking ${body.model_a} and ${body.model_b}…`);
    try {
      const reply = await api("/ui/api/compare", body);
      document.getElementById("answer-a-model").textContent = reply.model_a;
      document.getElementById("answer-b-model").textContent = reply.model_b;
      document.getElementById("answer-a").textContent = reply.answer_a;
      document.getElementById("answer-b").textContent = reply.answer_b;
      answers.hidden = false;
      if (grade) {
        grade.reset();
        grade.elements.namedItem("csrf").value = csrf;
        grade.elements.namedItem("comparison").value = reply.id;
        picker.reset(reply.suggestions);
        grade.hidden = false;
      }
      say(status, "Both answers are in." + (grade ? " Grade them below." : ""));
    } catch (error) {
      say(status, error.message, true);
    } finally {
      setBusy(form, false);
    }
  });
}

// -- red team -------------------------------------------------------------------------------

function initRedTeam() {
  const form = document.getElementById("attack-form");
  if (!form) return;
  const status = document.getElementById("attack-status");
  const box = document.getElementById("attack-answer");
  const record = document.getElementById("record-form");
  const picker = makePicker(record.querySelector(".picker"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      model: form.elements.namedItem("model").value,
      strategy: form.elements.namedItem("strategy").value.trim() || "manual",
      prompt: form.elements.namedItem("prompt").value.trim(),
    };
    if (!body.prompt) return;
    setBusy(form, true);
    say(status, `Sending the attack to ${body.model}…`);
    try {
      const reply = await api("/ui/api/redteam/attack", body);
      document.getElementById("attack-model").textContent = reply.model;
      document.getElementById("attack-output").textContent = reply.answer;
      box.hidden = false;
      record.reset();
      record.elements.namedItem("csrf").value = csrf;
      record.elements.namedItem("attempt").value = reply.id;
      picker.reset(reply.suggestions);
      record.hidden = false;
      say(status, "Answered. Grade it below.");
    } catch (error) {
      say(status, error.message, true);
    } finally {
      setBusy(form, false);
    }
  });
}

// -- stages ---------------------------------------------------------------------------------

function initJob() {
  const box = document.querySelector("section.job[data-job]");
  if (!box || box.dataset.state !== "running") return;
  const id = box.dataset.job;
  const log = document.getElementById("job-log");
  const state = document.getElementById("job-state");
  let next = Number(box.dataset.lines || "0");
  let busy = false;

  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const view = await api(`/ui/api/jobs/${encodeURIComponent(id)}?since=${next}`);
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      if (view.lines.length) log.append(document.createTextNode(view.lines.join("\n") + "\n"));
      if (atBottom) log.scrollTop = log.scrollHeight;
      next = view.line_count;
      state.textContent = view.state;
      if (view.state !== "running") {
        clearInterval(timer);
        window.location.replace(`/stages?job=${encodeURIComponent(id)}`);
      }
    } catch (error) {
      clearInterval(timer);
      state.textContent = error.message;
    } finally {
      busy = false;
    }
  }, 1000);
}

initChat();
initCompare();
initRedTeam();
initJob();
