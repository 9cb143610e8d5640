// The review page: one flagged string at a time, driven by the keyboard.
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const reviewer = sessionStorage.getItem("reviewer") || Math.random().toString(36).slice(2, 12);
sessionStorage.setItem("reviewer", reviewer);
const headers = { "X-Token": token, "X-Reviewer": reviewer, "Content-Type": "application/json" };
const $ = (id) => document.getElementById(id);
let current = null;      // the item shown
const visited = [];      // ids shown before it, for PageUp
let switchStarted = 0;   // when Enter was pressed: the time to the next image is measured from here
window.lastSwitchMs = null;

function image(id, view) {
  return `api/item/${id}/${view}?token=${encodeURIComponent(token)}`;
}

async function call(path, body) {
  const response = await fetch(path, body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function show(item) {
  if (item.finished) {
    current = null;
    $("item").hidden = true;
    $("whole").hidden = true;
    $("finished").hidden = false;
    $("progress").textContent = `${item.done} of ${item.total} reviewed`;
    return;
  }
  current = item;
  $("finished").hidden = true;
  $("whole").hidden = true;
  $("item").hidden = false;
  $("where").textContent = `${item.file}, page ${item.page}, ${item.where}`;
  const readAs = $("read-as");
  readAs.replaceChildren(...item.digits.map((d) => {
    const span = document.createElement("span");
    span.textContent = d.label;
    if (d.doubtful) span.className = "doubtful";
    return span;
  }));
  $("reason").textContent = item.reason.join(", ");
  const position = item.status === "pending" ? item.done + 1 : item.done;
  $("progress").textContent = `${position} of ${item.total}` + (item.status === "pending" ? "" : ` (already ${item.status})`);
  $("message").textContent = "";
  const crop = $("crop");
  crop.onload = () => {
    if (switchStarted) window.lastSwitchMs = performance.now() - switchStarted;
    switchStarted = 0;
  };
  crop.src = image(item.id, "crop");
  const input = $("value");
  input.value = item.text;
  input.focus();
  input.select();
}

async function next() {
  const after = current ? current.id : 0;
  if (current) visited.push(current.id);
  show(await call(`api/next?after=${after}`));
}

async function act(action) {
  if (!current) return;
  const text = $("value").value;
  switchStarted = performance.now();
  try {
    await call(`api/item/${current.id}`, { action, text, version: current.version });
    await next();
  } catch (error) {
    switchStarted = 0;
    $("message").textContent = error.message;
  }
}

async function back() {
  const id = visited.pop();
  if (id === undefined) return;
  try {
    show(await call(`api/item/${id}`));
  } catch (error) {
    $("message").textContent = error.message;
  }
}

$("value").addEventListener("input", (event) => {
  const clean = event.target.value.replace(/[^0-9?]/g, "");
  if (clean !== event.target.value) event.target.value = clean;
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    if (event.ctrlKey) {
      if (current) $("value").value = current.read_as;
      act("accept");
    } else {
      act(current && $("value").value === current.read_as ? "accept" : "save");
    }
  } else if (event.key === "Escape" || event.key === "Tab") {
    event.preventDefault();
    act("skip");
  } else if (event.key === "PageUp") {
    event.preventDefault();
    back();
  } else if (event.key === "PageDown" && current) {
    event.preventDefault();
    const whole = $("whole");
    whole.hidden = !whole.hidden;
    if (!whole.hidden) $("page").src = image(current.id, "page");
    $("value").focus();
  }
});

next().catch((error) => { $("message").textContent = error.message; $("item").hidden = false; });
