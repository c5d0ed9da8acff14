import StudyCore

/// Cross references in a report's text: `[@fig:ID]` and `[@tbl:ID]` cite a figure or table by the
/// `id:` it declares and render as a link to it ("Figure 3"), numbered as the report numbers them
/// (figures, then tables, section by section). An unknown id is a load error naming the closest
/// id, so a renamed figure never leaves a dangling or wrong number in the text.
enum CrossReferences {
    /// What a reference cites.
    enum Kind: String, Sendable {
        case figure = "fig", table = "tbl"

        var word: String { self == .figure ? "Figure" : "Table" }
        var anchor: String { self == .figure ? "figure" : "table" }
        var noun: String { self == .figure ? "figure" : "table" }
    }

    /// One `[@KIND:ID]` in a text; `range` counts characters.
    struct Reference: Equatable, Sendable {
        var kindText: String
        var id: String
        var range: Range<Int>

        var kind: Kind? { Kind(rawValue: kindText) }
        var written: String { "[@\(kindText):\(id)]" }
    }

    /// A figure's or table's `id:`: letters, digits, `-` and `_`, as it is written after `@fig:`.
    static func id(_ value: JSONValue?, at field: String, kind: Kind, into settings: inout SettingsReader) -> String? {
        guard let value, let text = settings.text(value, field, expected: "a name") else { return nil }
        guard valid(text) else {
            settings.problem(field, "'\(text)' must be letters, digits, '-' or '_', as text cites it with [@\(kind.rawValue):ID]; e.g. id: km-imvigor")
            return nil
        }
        return text
    }

    static func valid(_ id: String) -> Bool {
        !id.isEmpty && id.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    /// Each id's number, as the report numbers figures and tables.
    static func numbers(_ layout: ReportSettings) -> (figures: [String: Int], tables: [String: Int]) {
        var figures: [String: Int] = [:], tables: [String: Int] = [:]
        var figureNumber = 0, tableNumber = 0
        for section in layout.sections {
            for figure in section.figures {
                figureNumber += 1
                if let id = figure.id, figures[id] == nil { figures[id] = figureNumber }
            }
            for table in section.tables {
                tableNumber += 1
                if let id = table.id, tables[id] == nil { tables[id] = tableNumber }
            }
        }
        return (figures, tables)
    }

    /// Load checks: ids unique per kind, and every reference in a section's text or a figure's
    /// caption names a declared id.
    static func check(_ layout: ReportSettings, into settings: inout SettingsReader) {
        var owners: [String: String] = [:]
        for section in layout.sections {
            let items = section.figures.map { (Kind.figure, $0.id, $0.field) } + section.tables.map { (Kind.table, $0.id, $0.field) }
            for (kind, id, field) in items {
                guard let id else { continue }
                let key = "\(kind.rawValue):\(id)"
                if let first = owners[key] {
                    settings.problem("\(field).id", "'\(id)' is already the id of \(first); give each \(kind.noun) its own id")
                } else {
                    owners[key] = field
                }
            }
        }
        let (figures, tables) = numbers(layout)
        for section in layout.sections {
            checkText(section.text, at: "\(section.field).text", figures: figures, tables: tables, into: &settings)
            for figure in section.figures {
                checkText(figure.caption ?? "", at: "\(figure.field).caption", figures: figures, tables: tables, into: &settings)
            }
        }
    }

    static func checkText(_ text: String, at field: String, figures: [String: Int], tables: [String: Int],
                          into settings: inout SettingsReader) {
        for reference in references(in: text) {
            guard let kind = reference.kind else {
                settings.problem(field, "'\(reference.written)' cites neither a figure nor a table; write [@fig:ID] or [@tbl:ID] with the id: of one")
                continue
            }
            let ids = (kind == .figure ? figures : tables).keys.sorted()
            guard !ids.contains(reference.id) else { continue }
            let fix = ids.isEmpty
                ? "no \(kind.noun) has an id; add id: \(valid(reference.id) ? reference.id : "NAME") to the \(kind.noun) you mean"
                : "\(kind.noun) ids are: \(ids.joined(separator: ", "))"
            settings.problem(field, "unknown reference '\(reference.written)'\(Spelling.hint(for: reference.id, among: ids)); \(fix)")
        }
    }

    /// `text` with each known reference replaced by a Markdown link to its figure or table
    /// (`[Figure 3](#figure-3)`), or by the plain words where no link can go (an SVG's `<desc>`);
    /// unknown ones stay as written.
    static func resolve(_ text: String, figures: [String: Int], tables: [String: Int], link: Bool = true) -> String {
        let found = references(in: text)
        guard !found.isEmpty else { return text }
        let chars = Array(text)
        var out = "", at = 0
        for reference in found {
            guard let kind = reference.kind, let number = (kind == .figure ? figures : tables)[reference.id] else { continue }
            out += String(chars[at..<reference.range.lowerBound])
            out += link ? "[\(kind.word) \(number)](#\(kind.anchor)-\(number))" : "\(kind.word) \(number)"
            at = reference.range.upperBound
        }
        return out + String(chars[at...])
    }

    /// Every `[@KIND:ID]` outside code spans, fenced code and backslash escapes, in order.
    static func references(in text: String) -> [Reference] {
        let chars = Array(text)
        var found: [Reference] = []
        var i = 0, inCode = false, fenced = false, lineStart = true
        while i < chars.count {
            if lineStart {
                lineStart = false
                var j = i
                while j < chars.count, chars[j] == " ", j - i < 3 { j += 1 }
                if j + 2 < chars.count, chars[j] == "`" && chars[j + 1] == "`" && chars[j + 2] == "`" {
                    fenced.toggle()
                    while i < chars.count, chars[i] != "\n" { i += 1 }
                    continue
                }
            }
            let ch = chars[i]
            if ch == "\n" {
                lineStart = true
                inCode = false
            } else if fenced {
                // Code shows references as written.
            } else if ch == "\\" {
                i += 1
            } else if ch == "`" {
                inCode.toggle()
            } else if !inCode && ch == "[", let match = Self.reference(chars, at: i) {
                found.append(match)
                i = match.range.upperBound
                continue
            }
            i += 1
        }
        return found
    }

    /// The reference starting at `start` (`[@` + lowercase kind + `:` + id + `]` on one line), if any.
    static func reference(_ chars: [Character], at start: Int) -> Reference? {
        guard start + 1 < chars.count, chars[start + 1] == "@" else { return nil }
        var end = start + 2
        while end < chars.count, chars[end] != "]", chars[end] != "\n", end - start < 200 { end += 1 }
        guard end < chars.count, chars[end] == "]" else { return nil }
        let content = String(chars[(start + 2)..<end])
        guard let colon = content.firstIndex(of: ":") else { return nil }
        let kind = String(content[..<colon])
        guard !kind.isEmpty, kind.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isLowercase }) else { return nil }
        return Reference(kindText: kind, id: String(content[content.index(after: colon)...]), range: start..<(end + 1))
    }
}
