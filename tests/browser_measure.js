// What one page shows a reader at the current width (run by tests/test_browser.py in the page).
// Returns plain data; the Python side decides what is a problem.
const main = document.querySelector("main") || document.body;
const inFooter = (el) => !!el.closest("footer");
const rect = (el) => el.getBoundingClientRect();
// textContent, not innerText: the rows behind a closed <details> are not rendered but are read
const words = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
const column = main.getBoundingClientRect().width;
const scroller = (el) => {
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const ox = getComputedStyle(p).overflowX;
    if (ox === "auto" || ox === "scroll" || ox === "hidden") return p;
  }
  return null;
};
const hiddenInDetails = (el) => {
  for (let d = el.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
    if (!d.open) return true;
  }
  return false;
};
const figures = Array.from(main.querySelectorAll("img")).map((img) => {
  const fig = img.closest("figure");
  const cap = fig ? fig.querySelector("figcaption") : null;
  const attrW = parseFloat(img.getAttribute("width") || "0");
  const source = img.currentSrc && img.currentSrc !== img.src
    ? Array.from(img.closest("picture") ? img.closest("picture").querySelectorAll("source") : [])
        .find((s) => (s.srcset || "").trim() === img.currentSrc) : null;
  const natural = source && source.getAttribute("width") ? parseFloat(source.getAttribute("width"))
    : (attrW || img.naturalWidth);
  const textPx = parseFloat((source || img).getAttribute("data-text-px") || "0");
  return {
    alt: img.getAttribute("alt") || "",
    natural: natural,
    natural_attr: attrW,
    natural_png: img.naturalWidth,
    rendered: rect(img).width,
    text_px: textPx,
    in_figure: !!fig,
    numbered: !!(cap && cap.querySelector(".sk-number")),
    in_footer: inFooter(img),
  };
});
const tables = Array.from(document.querySelectorAll("table")).map((t) => {
  const box = scroller(t);
  const cap = t.querySelector("caption");
  const rows = t.tBodies.length ? Array.from(t.tBodies).reduce((a, b) => a + b.rows.length, 0) : t.rows.length;
  return {
    caption: cap ? words(cap) : "",
    headers: Array.from(t.querySelectorAll("thead th, tr th[scope=col]")).map(words),
    cells: Array.from(t.querySelectorAll("td, tbody th")).map(words),
    rows: rows,
    hidden_rows: hiddenInDetails(t),
    width: t.scrollWidth,
    box_width: box ? box.clientWidth : null,
    box_scroll_width: box ? box.scrollWidth : null,
    box_role: box ? box.getAttribute("role") : null,
    box_tabindex: box ? box.getAttribute("tabindex") : null,
    box_label: box ? (box.getAttribute("aria-label") || "") : null,
    right: rect(t).right,
    in_footer: inFooter(t),
    in_main: !!t.closest("main"),
  };
});
const lang = document.documentElement.getAttribute("lang") || "";
const SEL = "p, li, td, th, caption, figcaption, h1, h2, h3, h4, h5, h6, summary, dt, dd, blockquote";
const blocks = [];
for (const el of document.querySelectorAll(SEL)) {
  if (inFooter(el) || el.querySelector(SEL)) continue;
  const other = el.closest("[lang]");
  if (other && other.getAttribute("lang") !== lang && other !== document.documentElement) continue;
  const clone = el.cloneNode(true);
  clone.querySelectorAll("[lang], .sk-number").forEach((x) => {
    if (x.matches(".sk-number") || x.getAttribute("lang") !== lang) x.remove();
  });
  blocks.push({tag: el.tagName.toLowerCase(), text: clone.innerText || clone.textContent || ""});
}
for (const img of main.querySelectorAll("img[alt]")) blocks.push({tag: "img", text: img.getAttribute("alt")});
return {
  lang: lang,
  width: arguments[0],
  inner_width: window.innerWidth,
  scroll_width: document.documentElement.scrollWidth,
  column: column,
  figures: figures,
  tables: tables,
  blocks: blocks,
};
