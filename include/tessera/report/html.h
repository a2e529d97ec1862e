#pragma once
// Text from data (class names, file references, the config) into HTML and inline SVG. Class
// names are folder names and may hold anything, so every character that could open markup or
// close an attribute is escaped, and what XML forbids (control characters, ill-formed UTF-8)
// becomes U+FFFD: the result is valid in HTML text, in quoted attributes and in SVG parsed as XML.
#include <string>
#include <string_view>

namespace tessera::report {

// & < > " ' -> &amp; &lt; &gt; &quot; &#39; (only the five entities XML knows), control
// characters other than tab, newline and carriage return and ill-formed UTF-8 -> U+FFFD.
std::string escape_html(std::string_view text);

// `text` cut to at most `max_chars` code points, with "…" at the end when it was cut
// (for axis labels; the full text goes into a tooltip). Not escaped.
std::string shorten(std::string_view text, std::size_t max_chars);

}  // namespace tessera::report
