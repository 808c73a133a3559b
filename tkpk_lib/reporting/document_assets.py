"""Stylesheet and script of the report documents (cover, contents, side panel, table tools).

Used by :func:`tkpk_lib.reporting.document.finish_document`. Everything is inline (the
HTML works offline). Plotly charts get the Indonesian number format (decimal comma) and
full trace names in hover labels. On screen the contents are a side panel that follows the reader (the
section in view is highlighted) and tables with more than a few rows can be sorted (click a
column heading; Indonesian numbers "1.234,5" sort as numbers) and filtered (a search box
above the table). In print the cover and the contents are pages of their own, and the
table tools and HTML-only sections are hidden.

Why no itables: it re-renders each table from JSON in the browser (the Indonesian number
formatting of the report tables would have to be repeated), pages long tables (the printed
copy would show the first page only) and adds its DataTables bundle to each file; ~60
lines of script on the existing tables do the sorting and filtering the reader needs.
"""

from __future__ import annotations

#: Document stylesheet (screen and print).
DOCUMENT_CSS = """<style>
.tkpk-cover { text-align: center; padding: 3em 1em 2em; font-family: sans-serif; }
.tkpk-cover-title { font-size: 24pt; font-weight: bold; margin: 2em 0 .4em; }
.tkpk-cover-unit { font-size: 18pt; margin: .3em 0; }
.tkpk-cover-year { font-size: 16pt; margin: .3em 0 2em; }
.tkpk-cover-team { font-size: 13pt; font-weight: bold; margin: 2em 0; }
.tkpk-cover-meta { margin: 2em auto 0; font-size: 10pt; border-collapse: collapse; }
.tkpk-cover-meta th { text-align: left; padding: 2px 12px 2px 0; font-weight: normal; color: #555; }
.tkpk-cover-meta td { text-align: left; padding: 2px 0; }
.tkpk-cover-mark, .tkpk-synthetic-bar { color: #b00020; font-weight: bold; font-family: sans-serif;
  border: 2px solid #b00020; padding: .3em .8em; display: inline-block; letter-spacing: .05em; }
.tkpk-synthetic-bar { position: sticky; top: 0; z-index: 20; display: block; text-align: center;
  background: #fff3f3; margin: 0; }
.tkpk-toc { font-family: sans-serif; font-size: 10pt; }
.tkpk-toc ol { list-style: none; padding-left: 0; margin: .2em 0 1em; }
.tkpk-toc a { display: flex; justify-content: space-between; gap: 1em; color: inherit;
  text-decoration: none; padding: 1px 0; }
.tkpk-toc-title { font-weight: bold; font-size: 12pt; margin: .8em 0 .3em; }
.tkpk-toc-l3 { padding-left: 1.4em; font-size: 9pt; }
.tkpk-toc-page { min-width: 2em; text-align: right; }
.tkpk-num { font-weight: bold; }
.jp-RenderedHTMLCommon caption { caption-side: top; text-align: left; font-weight: normal; }
.tkpk-figcaption { font-family: sans-serif; font-size: 10pt; margin: .2em 0 0; }
.tkpk-source { font-family: sans-serif; font-size: 8.5pt; color: #555; margin: .2em 0 1em; }
.tkpk-empty-table { font-family: sans-serif; margin: .5em 0 1em; }
.tkpk-filter { margin: .3em 0; font-size: 9pt; padding: 2px 6px; width: 18em; }
th.tkpk-sortable { cursor: pointer; }
th.tkpk-sortable::after { content: " \\2195"; color: #999; font-size: 80%; }
th.tkpk-sort-asc::after { content: " \\25B2"; color: #333; }
th.tkpk-sort-desc::after { content: " \\25BC"; color: #333; }
@media screen {
  .tkpk-cover { padding: 1em 1em 1.5em; }
  .tkpk-cover-mark { display: none; }
  .tkpk-cover-title { margin-top: .5em; }
  .tkpk-cover-team { margin: 1em 0; }
}
@media screen and (min-width: 1000px) {
  .tkpk-toc { position: fixed; top: 0; left: 0; bottom: 0; width: 270px; overflow-y: auto;
    padding: 1em 1em 2em; box-sizing: border-box; background: #f7f7f7; border-right: 1px solid #ddd; }
  .tkpk-toc .tkpk-toc-list, .tkpk-toc .tkpk-toc-captions { display: none; }
  .tkpk-toc-page { display: none; }
  .tkpk-toc a.tkpk-current { font-weight: bold; color: #0b5394; }
  body.jp-Notebook, body { padding-left: 290px !important; }
}
@media print {
  .tkpk-synthetic-bar, .tkpk-filter, .tkpk-html-only, .celltag_html-only { display: none !important; }
  .tkpk-cover { break-after: page; padding-top: 6em; }
  .tkpk-toc { break-after: page; }
  th.tkpk-sortable::after { content: none; }
  .tkpk-figcaption, .tkpk-source { break-before: avoid; }
}
</style>
"""

#: Script of the interactive page: current section in the side panel, sortable and filterable tables.
DOCUMENT_JS = """<script>
(function () {
  "use strict";
  function num(text) {
    var t = text.replace(/\\s|%|\\u00a0/g, "").replace(/\\*+$/, "");
    if (!/^[-\\u2212]?[0-9.]+(,[0-9]+)?$/.test(t)) { return null; }
    return parseFloat(t.replace(/\\./g, "").replace(",", ".").replace("\\u2212", "-"));
  }
  function sortable(table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 6 || !table.tHead) { return; }
    var input = document.createElement("input");
    input.type = "search"; input.className = "tkpk-filter";
    input.placeholder = "Saring baris (ketik nama, kode, ...)";
    input.setAttribute("aria-label", "Saring baris tabel");
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(body.rows, function (r) {
        r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
      });
    });
    table.parentNode.insertBefore(input, table);
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.classList.add("tkpk-sortable");
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("tkpk-sort-asc");
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove("tkpk-sort-asc", "tkpk-sort-desc"); });
        th.classList.add(asc ? "tkpk-sort-asc" : "tkpk-sort-desc");
        var rows = Array.prototype.slice.call(body.rows);
        var vals = rows.map(function (r) { var c = r.cells[col]; return c ? c.textContent.trim() : ""; });
        var numeric = vals.every(function (v) { return v === "" || v === "-" || num(v) !== null; });
        var order = rows.map(function (r, i) { return i; });
        order.sort(function (a, b) {
          var x = vals[a], y = vals[b], d;
          if (numeric) {
            x = num(x); y = num(y);
            if (x === null || y === null) { return (x === null) - (y === null); }
            d = x - y;
          } else { d = x.localeCompare(y, "id"); }
          return asc ? d : -d;
        });
        order.forEach(function (i) { body.appendChild(rows[i]); });
      });
    });
  }
  function follow() {
    var links = Array.prototype.slice.call(document.querySelectorAll(".tkpk-toc-sections a"));
    var targets = links.map(function (a) {
      return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    });
    function mark() {
      var current = -1;
      targets.forEach(function (t, i) { if (t && t.getBoundingClientRect().top < 120) { current = i; } });
      links.forEach(function (a, i) { a.classList.toggle("tkpk-current", i === current); });
    }
    window.addEventListener("scroll", mark, { passive: true });
    mark();
  }
  function indonesian() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".plotly-graph-div").forEach(function (g) {
      if (g.layout && g.layout.separators === ",.") { return; }
      window.Plotly.relayout(g, { separators: ",.", "hoverlabel.namelength": -1 });
    });
  }
  function init() {
    document.querySelectorAll(".jp-OutputArea-output table").forEach(sortable);
    indonesian();
    follow();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
</script>
"""
