#pragma once
// A config value that is one of a few names, held as an enum with one names table. The table
// drives reading (an unknown name lists the choices and suggests the closest), the resolved
// config (--dry-run, a run's config.yaml) and messages; code that acts on the value switches
// over the enum, so the compiler flags a choice that nobody handles (-Wswitch). One table per
// enum, beside it:
//
//   enum class Keep { best, last };
//   template <>
//   struct ChoiceTable<Keep> {
//     static constexpr ChoiceName<Keep> names[] = {{Keep::best, "best"}, {Keep::last, "last"}};
//   };
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tessera::config {

template <class E>
struct ChoiceName {
  E value;
  std::string_view name;
};

// Specialised for each choice enum; the primary template has no table.
template <class E>
struct ChoiceTable;

template <class E>
concept Choice = std::is_enum_v<E> && requires {
  ChoiceTable<E>::names;
};

// The name the config uses for `value`.
template <Choice E>
constexpr std::string_view name_of(E value) {
  for (const auto& choice : ChoiceTable<E>::names) {
    if (choice.value == value) return choice.name;
  }
  return "?";  // only for a value cast from outside the table
}

template <Choice E>
std::string to_string(E value) {
  return std::string(name_of(value));
}

// Streams print the name (logs, test failure messages).
template <Choice E>
std::ostream& operator<<(std::ostream& out, E value) {
  return out << name_of(value);
}

// Every name, in the table's order (messages and docs).
template <Choice E>
std::vector<std::string> choice_names() {
  std::vector<std::string> names;
  for (const auto& choice : ChoiceTable<E>::names) names.emplace_back(choice.name);
  return names;
}

template <Choice E>
constexpr std::optional<E> choice_named(std::string_view name) {
  for (const auto& choice : ChoiceTable<E>::names) {
    if (choice.name == name) return choice.value;
  }
  return std::nullopt;
}

}  // namespace tessera::config
