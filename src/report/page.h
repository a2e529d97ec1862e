#pragma once
// The page shell every report shares (inline CSS, a header, a section per topic, no scripts)
// and the HTML fragments the pages are built from. Arguments named *_html are markup already;
// every other string is plain text and is escaped here.
#include <string>
#include <string_view>
#include <vector>

namespace tessera::report::detail {

struct Tile {  // a headline number
  std::string label, value, hint;
};
std::string tiles_html(const std::vector<Tile>& tiles);

// A table of plain-text cells; the first column is left-aligned, the others right-aligned.
// `column_classes`: a CSS class per column ("mono" for digests), "" for none.
std::string table_html(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::vector<std::string>& column_classes = {});
// A chart with its caption.
std::string figure_html(std::string_view caption, std::string_view svg_html);
// Figures side by side, wrapping when the window is narrow.
std::string row_html(const std::vector<std::string>& items_html);
std::string paragraph_html(std::string_view text, std::string_view css_class = "");
std::string pre_html(std::string_view text);
// Collapsed by default; opens on click without any script.
std::string details_html(std::string_view summary, std::string_view body_html);

class Page {
 public:
  // `title` and `subtitle` are plain text.
  Page(std::string title, std::string subtitle);
  // Markup placed between the header and the first section (headline tiles, a verdict).
  void lead(std::string html);
  // A section with an anchor in the page's navigation bar.
  void section(std::string_view id, std::string_view title, std::string_view note, std::string body_html);
  std::string str() const;

 private:
  std::string title_, subtitle_, lead_, nav_, body_;
};

}  // namespace tessera::report::detail
