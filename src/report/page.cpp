#include "page.h"

#include <algorithm>

#include "tessera/report/html.h"

namespace tessera::report::detail {
namespace {

// Print-friendly and readable on a projector: neutral greys, one accent, tabular numbers.
constexpr std::string_view kStyle = R"css(
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f3f4f6;--card:#fff;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#0f172a;color:#f8fafc;padding:22px 32px 14px}
header h1{margin:0 0 4px;font-size:22px;font-weight:600;overflow-wrap:anywhere}
header .subtitle{color:#cbd5e1;font-size:13px;overflow-wrap:anywhere}
nav{margin-top:12px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
nav a{color:#93c5fd;text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:1280px;margin:0 auto;padding:22px 32px 40px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin-bottom:20px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.tile .label{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.05em}
.tile .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .hint{color:var(--muted);font-size:12px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:18px}
section h2{font-size:17px;margin:0 0 2px}
h3{font-size:14px;margin:12px 0 6px}
p{margin:4px 0 10px}
p.note{color:var(--muted);font-size:13px;margin:0 0 12px}
.verdict{border-left:5px solid var(--accent);background:#eff6ff;padding:12px 16px;border-radius:6px;margin-bottom:18px;font-size:15px}
.verdict.same{border-color:#9ca3af;background:#f9fafb}
.figures{display:flex;flex-wrap:wrap;gap:20px 32px;align-items:flex-start}
figure{margin:0;max-width:100%}
figcaption{font-size:13px;font-weight:600;color:#374151;margin-bottom:4px}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;margin:4px 0 8px}
th,td{padding:4px 12px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
td:first-child{max-width:220px;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600;background:#f9fafb}
td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
pre{background:#f8fafc;border:1px solid var(--line);padding:12px;border-radius:6px;overflow:auto;font-size:12px;max-height:560px;margin:4px 0}
details{margin-top:8px}
details summary{cursor:pointer;color:var(--accent);font-size:13px}
.mistakes{display:grid;grid-template-columns:repeat(auto-fill,minmax(168px,1fr));gap:12px}
.mistake{border:1px solid var(--line);border-radius:6px;padding:8px;font-size:12px;background:#fff}
.mistake .picture{width:120px;height:120px;margin:0 auto 6px;background:#111827;display:flex;align-items:center;justify-content:center;border-radius:4px;overflow:hidden}
.mistake img{width:120px;height:120px;object-fit:contain;image-rendering:pixelated}
.mistake .none{color:#9ca3af;font-size:11px}
.mistake .names{font-weight:600;overflow-wrap:anywhere}
.mistake .true{color:#15803d}.mistake .pred{color:#b91c1c}
.mistake .ref{color:var(--muted);overflow-wrap:anywhere;font-size:11px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 24px}
@media print{body{background:#fff}header{background:#fff;color:#000}header .subtitle{color:#374151}nav{display:none}section{break-inside:avoid}}
)css";

}  // namespace

std::string tiles_html(const std::vector<Tile>& tiles) {
  std::string out = "<div class=\"tiles\">";
  for (const auto& t : tiles) {
    out += "<div class=\"tile\"><div class=\"label\">" + escape_html(t.label) + "</div><div class=\"value\">" +
           escape_html(t.value) + "</div>";
    if (!t.hint.empty()) out += "<div class=\"hint\">" + escape_html(t.hint) + "</div>";
    out += "</div>";
  }
  return out + "</div>";
}

std::string table_html(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::vector<std::string>& column_classes) {
  std::string out = "<table>";
  // A key-value table (every header empty) goes without a header row.
  if (std::any_of(header.begin(), header.end(), [](const std::string& h) { return !h.empty(); })) {
    out += "<thead><tr>";
    for (const auto& h : header) out += "<th>" + escape_html(h) + "</th>";
    out += "</tr></thead>";
  }
  out += "<tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool styled = c < column_classes.size() && !column_classes[c].empty();
      out += (styled ? "<td class=\"" + escape_html(column_classes[c]) + "\">" : std::string("<td>")) +
             escape_html(row[c]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

std::string figure_html(std::string_view caption, std::string_view svg_html) {
  std::string out = "<figure>";
  if (!caption.empty()) out += "<figcaption>" + escape_html(caption) + "</figcaption>";
  return out + std::string(svg_html) + "</figure>";
}

std::string row_html(const std::vector<std::string>& items_html) {
  std::string out = "<div class=\"figures\">";
  for (const auto& item : items_html) out += item;
  return out + "</div>";
}

std::string paragraph_html(std::string_view text, std::string_view css_class) {
  return "<p" + (css_class.empty() ? std::string() : " class=\"" + escape_html(css_class) + "\"") + ">" +
         escape_html(text) + "</p>";
}

std::string pre_html(std::string_view text) { return "<pre>" + escape_html(text) + "</pre>"; }

std::string details_html(std::string_view summary, std::string_view body_html) {
  return "<details><summary>" + escape_html(summary) + "</summary>" + std::string(body_html) + "</details>";
}

Page::Page(std::string title, std::string subtitle) : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void Page::lead(std::string html) { lead_ += html; }

void Page::section(std::string_view id, std::string_view title, std::string_view note, std::string body_html) {
  nav_ += "<a href=\"#" + escape_html(id) + "\">" + escape_html(title) + "</a>";
  body_ += "<section id=\"" + escape_html(id) + "\"><h2>" + escape_html(title) + "</h2>";
  if (!note.empty()) body_ += paragraph_html(note, "note");
  body_ += body_html + "</section>";
}

std::string Page::str() const {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         // Nothing may load or run: the page is data, and it is opened from mail and shares.
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
         "style-src 'unsafe-inline'\">"
         "<title>" + escape_html(title_) + "</title><style>" + std::string(kStyle) + "</style></head><body><header><h1>" +
         escape_html(title_) + "</h1><div class=\"subtitle\">" + escape_html(subtitle_) + "</div><nav>" + nav_ +
         "</nav></header><main>" + lead_ + body_ + "</main><footer>Tessera " TESSERA_VERSION
         " \xC2\xB7 a self-contained page: no scripts, no network</footer></body></html>\n";
}

}  // namespace tessera::report::detail
