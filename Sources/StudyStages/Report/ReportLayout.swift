import StudyCore

/// The `with:` of a `report/html` stage, checked: title, authors and sections of text, figures and
/// tables that name the stage's inputs. Every problem is collected as one line naming its field
/// (`with.sections[0].figures[1].input: …`), so `check` reports them all at load.
struct ReportLayout: Sendable {
    enum FigureType: String, CaseIterable, Sendable {
        case kaplanMeier = "kaplan-meier", forest, power
    }

    enum TableType: String, CaseIterable, Sendable {
        case cohort, cox, logRank = "log-rank", power, published
    }

    struct Figure: Sendable {
        var type: FigureType
        /// Input names, in the order given.
        var inputs: [String]
        var title: String
        var caption: String?
        /// Row-block labels of a forest plot, one per input.
        var labels: [String]?
        var xLabel: String?
        var medians: Bool
        var confidence: Bool
        /// `with.sections[i].figures[j]`, for messages.
        var field: String
    }

    struct Table: Sendable {
        var type: TableType
        var input: String?
        /// The published-figures file (a workspace path that is also one of the inputs) and its input name.
        var file: String?
        var fileInput: String?
        var title: String?
        var field: String
    }

    struct Section: Sendable {
        var title: String
        var text: String
        var figures: [Figure]
        var tables: [Table]
    }

    var title: String
    var authors: [String]
    var sections: [Section]

    /// Parses `with` against the stage's declared inputs (name → workspace path). Returns the layout
    /// and every problem found; the layout is usable only when there are none.
    static func parse(_ with: JSONValue, inputs: [String: String]) -> (layout: ReportLayout, problems: [String]) {
        var reader = Reader(inputs: inputs)
        let layout = reader.layout(with)
        return (layout, reader.problems)
    }

    private struct Reader {
        let inputs: [String: String]
        var problems: [String] = []

        mutating func layout(_ with: JSONValue) -> ReportLayout {
            guard case .object(let m) = with else {
                problems.append("with: must be a mapping with title, authors and sections")
                return ReportLayout(title: "", authors: [], sections: [])
            }
            allowOnly(m, ["title", "authors", "sections"], at: "with")
            let title = string(m["title"], at: "with.title", required: true) ?? ""
            var authors: [String] = []
            switch m["authors"] {
            case nil, .null?: break
            case .string(let s)?: authors = [s]
            case .array(let items)?:
                for (i, item) in items.enumerated() {
                    if let s = string(item, at: "with.authors[\(i)]", required: true) { authors.append(s) }
                }
            default: problems.append("with.authors: must be a name or a list of names")
            }
            var sections: [Section] = []
            switch m["sections"] {
            case .array(let items)?:
                for (i, item) in items.enumerated() { sections.append(section(item, at: "with.sections[\(i)]")) }
            case nil, .null?: problems.append("with.sections: missing; list the report's sections (title, text, figures, tables)")
            default: problems.append("with.sections: must be a list of sections")
            }
            return ReportLayout(title: title, authors: authors, sections: sections)
        }

        mutating func section(_ value: JSONValue, at field: String) -> Section {
            guard case .object(let m) = value else {
                problems.append("\(field): must be a mapping with title, text, figures and tables")
                return Section(title: "", text: "", figures: [], tables: [])
            }
            allowOnly(m, ["title", "text", "figures", "tables"], at: field)
            let title = string(m["title"], at: "\(field).title", required: true) ?? ""
            let text = string(m["text"], at: "\(field).text", required: false) ?? ""
            var figures: [Figure] = [], tables: [Table] = []
            for (j, item) in list(m["figures"], at: "\(field).figures").enumerated() {
                if let f = figure(item, at: "\(field).figures[\(j)]") { figures.append(f) }
            }
            for (j, item) in list(m["tables"], at: "\(field).tables").enumerated() {
                if let t = table(item, at: "\(field).tables[\(j)]") { tables.append(t) }
            }
            return Section(title: title, text: text, figures: figures, tables: tables)
        }

        mutating func figure(_ value: JSONValue, at field: String) -> Figure? {
            guard case .object(let m) = value else {
                problems.append("\(field): must be a mapping with type, input (or inputs), title and caption")
                return nil
            }
            allowOnly(m, ["type", "input", "inputs", "title", "caption", "labels", "x_label", "medians", "confidence"], at: field)
            let typeName = string(m["type"], at: "\(field).type", required: true)
            let type = typeName.flatMap(FigureType.init(rawValue:))
            if let typeName, type == nil {
                problems.append("\(field).type: must be one of \(FigureType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(typeName)'")
            }
            var names: [String] = []
            if m["input"] != nil && m["inputs"] != nil {
                problems.append("\(field): give either input or inputs, not both")
            } else if let one = m["input"] {
                if let name = inputName(one, at: "\(field).input") { names = [name] }
            } else if case .array(let items)? = m["inputs"] {
                for (k, item) in items.enumerated() {
                    if let name = inputName(item, at: "\(field).inputs[\(k)]") { names.append(name) }
                }
                if items.isEmpty { problems.append("\(field).inputs: must name at least one input") }
            } else if m["inputs"] != nil {
                problems.append("\(field).inputs: must be a list of input names")
            } else {
                problems.append("\(field).input: missing; name one of the stage's inputs (\(inputList))")
            }
            if let type {
                switch type {
                case .kaplanMeier where names.count > 2:
                    problems.append("\(field).inputs: a kaplan-meier figure takes a kaplan-meier result and optionally a log-rank result, not \(names.count) inputs")
                case .power where names.count > 1:
                    problems.append("\(field).inputs: a power figure takes one trial-power result, not \(names.count)")
                default: break
                }
            }
            var labels: [String]? = nil
            if case .array(let items)? = m["labels"] {
                labels = items.enumerated().compactMap { k, item in string(item, at: "\(field).labels[\(k)]", required: true) }
                if type != .forest { problems.append("\(field).labels: only a forest figure takes labels") }
                if items.count != names.count {
                    problems.append("\(field).labels: \(items.count) labels for \(names.count) inputs; give one label per input")
                }
            } else if m["labels"] != nil {
                problems.append("\(field).labels: must be a list of names, one per input")
            }
            let title = string(m["title"], at: "\(field).title", required: false)
            guard let type else { return nil }
            return Figure(type: type, inputs: names, title: title ?? Self.defaultTitle(type), caption: string(m["caption"], at: "\(field).caption", required: false),
                          labels: labels, xLabel: string(m["x_label"], at: "\(field).x_label", required: false),
                          medians: bool(m["medians"], at: "\(field).medians") ?? false,
                          confidence: bool(m["confidence"], at: "\(field).confidence") ?? true, field: field)
        }

        static func defaultTitle(_ type: FigureType) -> String {
            switch type {
            case .kaplanMeier: return "Kaplan-Meier estimates of survival"
            case .forest: return "Hazard ratios from Cox proportional hazards models"
            case .power: return "Simulated power by sample size"
            }
        }

        mutating func table(_ value: JSONValue, at field: String) -> Table? {
            guard case .object(let m) = value else {
                problems.append("\(field): must be a mapping with type and input (or file)")
                return nil
            }
            allowOnly(m, ["type", "input", "file", "title"], at: field)
            let typeName = string(m["type"], at: "\(field).type", required: true)
            let type = typeName.flatMap(TableType.init(rawValue:))
            if let typeName, type == nil {
                problems.append("\(field).type: must be one of \(TableType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(typeName)'")
            }
            let title = string(m["title"], at: "\(field).title", required: false)
            guard let type else { return nil }
            if type == .published {
                if m["input"] != nil { problems.append("\(field).input: a published table reads file:, not input:") }
                guard let file = string(m["file"], at: "\(field).file", required: true) else { return nil }
                let normalized = Self.normalize(file)
                guard let name = inputs.keys.sorted().first(where: { Self.normalize(inputs[$0]!) == normalized }) else {
                    problems.append("\(field).file: '\(file)' is not among the stage's inputs; add it to inputs (e.g. published: \(file)) so edits to it rerun the report")
                    return nil
                }
                return Table(type: type, input: nil, file: file, fileInput: name, title: title, field: field)
            }
            if m["file"] != nil { problems.append("\(field).file: only a published table reads a file; use input:") }
            guard let one = m["input"] else {
                problems.append("\(field).input: missing; name one of the stage's inputs (\(inputList))")
                return nil
            }
            guard let name = inputName(one, at: "\(field).input") else { return nil }
            return Table(type: type, input: name, file: nil, fileInput: nil, title: title, field: field)
        }

        static func normalize(_ path: String) -> String {
            var p = Substring(path)
            while p.hasPrefix("./") { p = p.dropFirst(2) }
            return String(p)
        }

        var inputList: String { inputs.keys.sorted().joined(separator: ", ") }

        mutating func inputName(_ value: JSONValue, at field: String) -> String? {
            guard let name = string(value, at: field, required: true) else { return nil }
            guard inputs[name] != nil else {
                problems.append("\(field): '\(name)' is not an input of this stage; inputs are: \(inputList.isEmpty ? "none" : inputList)")
                return nil
            }
            return name
        }

        mutating func list(_ value: JSONValue?, at field: String) -> [JSONValue] {
            switch value {
            case nil, .null?: return []
            case .array(let items)?: return items
            default:
                problems.append("\(field): must be a list")
                return []
            }
        }

        mutating func string(_ value: JSONValue?, at field: String, required: Bool) -> String? {
            switch value {
            case .string(let s)?: return s
            case .integer(let i)?: return String(i)
            case .number(let d)?: return JSONValue.format(d)
            case nil, .null?:
                if required { problems.append("\(field): missing") }
                return nil
            default:
                problems.append("\(field): must be text")
                return nil
            }
        }

        mutating func bool(_ value: JSONValue?, at field: String) -> Bool? {
            switch value {
            case .bool(let b)?: return b
            case nil, .null?: return nil
            default:
                problems.append("\(field): must be true or false")
                return nil
            }
        }

        mutating func allowOnly(_ m: [String: JSONValue], _ known: [String], at field: String) {
            for key in m.keys.sorted() where !known.contains(key) {
                problems.append("\(field).\(key): unknown setting; known: \(known.joined(separator: ", "))")
            }
        }
    }
}
