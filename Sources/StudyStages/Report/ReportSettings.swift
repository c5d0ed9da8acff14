import StudyCore
import StudyReport

/// The `with:` of a `report/html` stage, checked: title, authors and sections of text, figures and
/// tables that name the stage's inputs. Read through one `SettingsReader`, so every problem is one
/// line naming its field (`with.sections[0].figures[1].input: …`) and `check` reports them all at load.
struct ReportSettings: Sendable {
    enum FigureType: String, CaseIterable, Sendable {
        case kaplanMeier = "kaplan-meier", forest, power
        /// A PNG or SVG file a stage wrote.
        case image
    }

    enum TableType: String, CaseIterable, Sendable {
        case cohort, cox, logRank = "log-rank", power, published
        /// A CSV file a stage wrote.
        case csv
        /// Table 1: baseline characteristics of a CSV input, by group.
        case characteristics
    }

    struct Figure: Sendable {
        var type: FigureType
        /// Input names, in the order given.
        var inputs: [String]
        var title: String
        var caption: String?
        /// Row-block labels of a forest plot, one per input.
        var labels: [String]?
        /// Each input's label when `labels:` gives none: a gathered instance's label (its item's
        /// `label` field, else its key); `nil` for a plain input (then its name, when there are several).
        var defaultLabels: [String?] = []
        var xLabel: String?
        var medians: Bool
        var confidence: Bool
        /// An image's text for readers who cannot see it (required for `image`).
        var alt: String?
        /// How the instances of a gathered input are drawn; nil for a single input.
        var layout: FigurePanels.Layout?
        /// A forest figure's terms to show, in order (nil: all), and its term labels (`labels:` as a map).
        var terms: [String]? = nil
        var termLabels: [String: String] = [:]
        /// `with.sections[i].figures[j]`, for messages.
        var field: String
        /// The name text cites it by (`[@fig:ID]`), nil when it has none.
        var id: String? = nil
    }

    struct Table: Sendable {
        var type: TableType
        var input: String?
        /// The published-figures file (a workspace path that is also one of the inputs) and its input name.
        var file: String?
        var fileInput: String?
        var title: String?
        /// A csv table's columns in order (nil: all) and digits after the point.
        var columns: [String]? = nil
        var digits: Int? = nil
        /// A gathered input's instances (`gatheredName`) and labels, stacked as rows; empty otherwise.
        var instances: [String] = []
        var instanceLabels: [String] = []
        /// A characteristics table's options (`by`, `columns`, `categorical`, `digits`).
        var characteristics: CharacteristicsOptions? = nil
        /// A cox table's term labels (`labels:`, term → text), or a characteristics table's row and
        /// group labels (column or `COLUMN=LEVEL` → text).
        var termLabels: [String: String] = [:]
        var field: String
        /// The name text cites it by (`[@tbl:ID]`), nil when it has none.
        var id: String? = nil
    }

    struct Section: Sendable {
        var title: String
        var text: String
        var figures: [Figure]
        var tables: [Table]
        /// The input holding Markdown a stage wrote, shown after `text`.
        var textInput: String? = nil
        var field: String = ""
        /// `generated: methods`: StudyFlow writes the section's text from the report's inputs.
        var generatesMethods = false
    }

    var title: String
    var authors: [String]
    var sections: [Section]

    /// Reads `with` against the stage's declared inputs (name → workspace path). Returns the layout
    /// and every problem found; the layout is usable only when there are none.
    ///
    /// A forest, image or kaplan-meier figure naming a gathered input (`gathered`, by input name)
    /// draws one block or panel per instance: its `inputs` list holds `gatheredName(NAME, KEY)` for
    /// each, in instance order; a csv or cox table lists them in `instances`.
    static func read(_ with: JSONValue, inputs: [String: String],
                     gathered: [String: [GatheredInput]] = [:]) -> (layout: ReportSettings, problems: [String]) {
        var reader = Reader(inputs: inputs, gathered: gathered)
        let layout = reader.layout(with)
        return (layout, reader.settings.problems)
    }

    /// The name under which the report reads instance `key` of gathered input `input`
    /// (`models[nsclc]`); brackets cannot occur in a declared input's name, so it never collides.
    static func gatheredName(_ input: String, _ key: String) -> String { "\(input)[\(key)]" }

    /// Why gathered input `name` cannot stand where one result is expected: a fix follows.
    static func gatheredProblem(_ name: String, _ entries: [GatheredInput], needs: String) -> String {
        let template = entries.first.map { String($0.stage.prefix { $0 != "@" }) } ?? "?"
        let count = entries.count == 1 ? "1 instance" : "\(entries.count) instances"
        return "'\(name)' gathers \(count) of '\(template)'; \(needs) takes one result: name a single input, or draw the instances in a forest figure"
    }

    /// The report's own checks (input names, figure shapes) over the shared `SettingsReader`.
    struct Reader {
        let inputs: [String: String]
        let gathered: [String: [GatheredInput]]
        var settings = SettingsReader()

        init(inputs: [String: String], gathered: [String: [GatheredInput]]) {
            self.inputs = inputs
            self.gathered = gathered
        }

        mutating func layout(_ with: JSONValue) -> ReportSettings {
            guard let m = settings.mapping(with, "with", known: ["title", "authors", "sections"], unknown: .atKey(label: "known"),
                                           expected: "a mapping with title, authors and sections") else {
                return ReportSettings(title: "", authors: [], sections: [])
            }
            let title = string(m["title"], at: "with.title", required: true) ?? ""
            let authors = settings.textList(m["authors"], "with.authors", item: "a name", list: "a name or a list of names")
            var sections: [Section] = []
            switch m["sections"] {
            case .array(let items)?:
                for (i, item) in items.enumerated() { sections.append(section(item, at: "with.sections[\(i)]")) }
            case nil, .null?: settings.problem("with.sections", "missing; list the report's sections (title, text, figures, tables)")
            case let other?: settings.problem("with.sections", "must be a list of sections, not \(SettingsReader.show(other))")
            }
            let layout = ReportSettings(title: title, authors: authors, sections: sections)
            CrossReferences.check(layout, into: &settings)
            return layout
        }

        mutating func section(_ value: JSONValue, at field: String) -> Section {
            guard let m = settings.mapping(value, field, known: ["title", "text", "text_input", "figures", "tables", "generated"], unknown: .atKey(label: "known"),
                                           expected: "a mapping with title, text, figures and tables") else {
                return Section(title: "", text: "", figures: [], tables: [])
            }
            var textInput: String? = nil
            if let one = m["text_input"], let name = inputName(one, at: "\(field).text_input") {
                if let entries = gathered[name] {
                    settings.problem("\(field).text_input", ReportSettings.gatheredProblem(name, entries, needs: "text_input"))
                } else {
                    textInput = name
                }
            }
            let title = string(m["title"], at: "\(field).title", required: true) ?? ""
            let text = string(m["text"], at: "\(field).text", required: false) ?? ""
            var figures: [Figure] = [], tables: [Table] = []
            for (j, item) in (settings.list(m["figures"], "\(field).figures", optional: true, single: false) ?? []).enumerated() {
                if let f = figure(item, at: "\(field).figures[\(j)]") { figures.append(f) }
            }
            for (j, item) in (settings.list(m["tables"], "\(field).tables", optional: true, single: false) ?? []).enumerated() {
                if let t = table(item, at: "\(field).tables[\(j)]") { tables.append(t) }
            }
            var generated = false
            if let value = m["generated"], let what = string(value, at: "\(field).generated", required: true) {
                if what == "methods" {
                    generated = true
                } else {
                    settings.problem("\(field).generated", "must be methods, not '\(what)'; StudyFlow writes a methods section from the report's inputs")
                }
            }
            return Section(title: title, text: text, figures: figures, tables: tables, textInput: textInput, field: field,
                           generatesMethods: generated)
        }

        static let figureKeys = ["type", "input", "inputs", "title", "caption", "labels", "x_label", "medians", "confidence", "alt", "layout",
                                 "id", "terms"]

        mutating func figure(_ value: JSONValue, at field: String) -> Figure? {
            guard let m = settings.mapping(value, field, known: Self.figureKeys, unknown: .atKey(label: "known"),
                                           expected: "a mapping with type, input (or inputs), title and caption") else { return nil }
            let type = kind(m["type"], at: "\(field).type", FigureType.self)
            let (names, defaultLabels) = figureInputs(m, type, at: field)
            var labels: [String]? = nil
            var termLabels: [String: String] = [:]
            if case .array(let items)? = m["labels"] {
                labels = items.enumerated().compactMap { k, item in string(item, at: "\(field).labels[\(k)]", required: true) }
                if type != .forest { settings.problem("\(field).labels", "only a forest figure takes labels") }
                let gathers = Set(names.compactMap { name in gathered.keys.first { name.hasPrefix($0 + "[") } })
                if items.count != names.count && gathers.isEmpty {
                    settings.problem("\(field).labels", "\(items.count) labels for \(names.count) inputs; give one label per input")
                } else if items.count != names.count {
                    let counts = gathers.sorted().map { "'\($0)' gathers \(gathered[$0]!.count)" }.joined(separator: ", ")
                    settings.problem("\(field).labels", "\(items.count) labels for \(names.count) blocks (\(counts)); "
                        + "give one label per block, or leave labels out to use each instance's label")
                }
            } else if case .object? = m["labels"], type == .forest || type == nil {
                termLabels = self.termLabels(m["labels"], at: "\(field).labels")
            } else if m["labels"] != nil && type != .forest && type != nil {
                settings.problem("\(field).labels", "only a forest figure takes labels")
            } else if m["labels"] != nil {
                settings.problem("\(field).labels", "must be a list of names, one per input, or a map of term labels (term: text)")
            }
            let terms = forestTerms(m["terms"], type, at: "\(field).terms")
            let title = string(m["title"], at: "\(field).title", required: false)
            let caption = string(m["caption"], at: "\(field).caption", required: false)
            let xLabel = string(m["x_label"], at: "\(field).x_label", required: false)
            let medians = settings.bool(m["medians"], "\(field).medians") ?? false
            let confidence = settings.bool(m["confidence"], "\(field).confidence") ?? true
            let alt = string(m["alt"], at: "\(field).alt", required: false)
            let describe = "describe the image for readers who cannot see it, e.g. alt: Bar chart of response rate by liver status"
            if type == .image && alt == nil && m["alt"] == nil {
                settings.problem("\(field).alt", "missing; \(describe)")
            } else if type == .image, let alt, alt.allSatisfy(\.isWhitespace) {
                settings.problem("\(field).alt", "is empty; \(describe)")
            } else if type != .image && type != nil && m["alt"] != nil {
                settings.problem("\(field).alt", "only an image figure takes alt; a built-in figure describes itself")
            }
            let layout = figureLayout(m["layout"], type, names: names, at: field)
            let id = CrossReferences.id(m["id"], at: "\(field).id", kind: .figure, into: &settings)
            guard let type else { return nil }
            return Figure(type: type, inputs: names, title: title ?? alt ?? Self.defaultTitle(type), caption: caption,
                          labels: labels, defaultLabels: defaultLabels, xLabel: xLabel, medians: medians,
                          confidence: confidence, alt: alt, layout: layout, terms: terms, termLabels: termLabels, field: field, id: id)
        }

        /// A figure's `input:` or `inputs:`, each an input of the stage, as many as its type takes;
        /// a gathered input in a forest figure stands for its instances (with their labels).
        mutating func figureInputs(_ m: [String: JSONValue], _ type: FigureType?, at field: String) -> ([String], [String?]) {
            var names: [String] = [], labels: [String?] = []
            func add(_ name: String, at itemField: String) {
                guard let entries = gathered[name] else {
                    names.append(name)
                    labels.append(nil)
                    return
                }
                guard type == .forest || type == .image || type == .kaplanMeier || type == nil else {
                    settings.problem(itemField, Self.gatheredFigureProblem(name, entries, type))
                    return
                }
                if entries.isEmpty { settings.problem(itemField, "'\(name)' gathers no instances; check its 'where:'") }
                for entry in entries {
                    names.append(ReportSettings.gatheredName(name, entry.key))
                    labels.append(entry.label)
                }
            }
            if m["input"] != nil && m["inputs"] != nil {
                settings.problem(field, "give either input or inputs, not both")
            } else if let one = m["input"] {
                if let name = inputName(one, at: "\(field).input") { add(name, at: "\(field).input") }
            } else if case .array(let items)? = m["inputs"] {
                for (k, item) in items.enumerated() {
                    if let name = inputName(item, at: "\(field).inputs[\(k)]") { add(name, at: "\(field).inputs[\(k)]") }
                }
                if items.isEmpty { settings.problem("\(field).inputs", "must name at least one input") }
            } else if m["inputs"] != nil {
                settings.problem("\(field).inputs", "must be a list of input names")
            } else {
                settings.problem("\(field).input", "missing; name one of the stage's inputs (\(inputList))")
            }
            let gatheredCount = names.filter { $0.contains("[") }.count
            switch type {
            case .kaplanMeier? where gatheredCount > 0 && gatheredCount != names.count:
                settings.problem("\(field).inputs", "a kaplan-meier figure over a gathered input draws one panel per instance and takes no other input")
            case .kaplanMeier? where names.count > 2 && gatheredCount == 0:
                settings.problem("\(field).inputs", "a kaplan-meier figure takes a kaplan-meier result and optionally a log-rank result, not \(names.count) inputs")
            case .image? where names.count > 1 && gatheredCount == 0:
                settings.problem("\(field).inputs", "an image figure takes one file (or one gathered input, a panel per instance), not \(names.count) inputs")
            case .image? where gatheredCount > 0 && gatheredCount != names.count:
                settings.problem("\(field).inputs", "an image figure over a gathered input draws one panel per instance and takes no other input")
            case .power? where names.count > 1:
                settings.problem("\(field).inputs", "a power figure takes one trial-power result, not \(names.count)")
            default: break
            }
            return (names, labels)
        }

        static func gatheredFigureProblem(_ name: String, _ entries: [GatheredInput], _ type: FigureType?) -> String {
            ReportSettings.gatheredProblem(name, entries, needs: "a power figure")
        }

        /// A figure's `layout:`: `grid` or `stack` for an image or kaplan-meier figure over a
        /// gathered input (default stack), `stack` for a forest figure; nothing else takes one.
        mutating func figureLayout(_ value: JSONValue?, _ type: FigureType?, names: [String], at field: String) -> FigurePanels.Layout? {
            let gathers = names.contains { $0.contains("[") }
            let layout = value.flatMap { kind($0, at: "\(field).layout", FigurePanels.Layout.self) }
            guard let type, value != nil else { return gathers ? .stack : nil }
            switch type {
            case .forest where layout == .grid:
                settings.problem("\(field).layout", "a forest figure stacks its models as blocks of one plot; remove layout: grid")
            case .power:
                settings.problem("\(field).layout", "a power figure draws one result; layout: is for an image or kaplan-meier figure over a gathered input ({each: STAGE, output: NAME})")
            case .image, .kaplanMeier:
                if !gathers && layout != nil {
                    settings.problem("\(field).layout", "layout: arranges the instances of a gathered input ({each: STAGE, output: NAME}); this figure draws one input, so remove it")
                }
            default: break
            }
            return layout ?? (gathers ? .stack : nil)
        }

        /// A table's `layout:`: only `stack` (a row block per instance) for a csv or cox table over a
        /// gathered input.
        mutating func tableLayout(_ value: JSONValue?, _ type: TableType?, gathers: Bool, at field: String) {
            guard let value, let type else { return }
            let layout = kind(value, at: "\(field).layout", FigurePanels.Layout.self)
            if type != .csv && type != .cox {
                settings.problem("\(field).layout", "a \(type.rawValue) table draws one result; layout: is for a csv or cox table over a gathered input")
            } else if layout == .grid {
                settings.problem("\(field).layout", "a table stacks its instances as rows; use layout: stack (or leave it out)")
            } else if !gathers && layout != nil {
                settings.problem("\(field).layout", "layout: arranges the instances of a gathered input ({each: STAGE, output: NAME}); this table reads one input, so remove it")
            }
        }

        /// A figure's or table's `type:`, one of `T`'s names.
        mutating func kind<T: RawRepresentable & CaseIterable>(_ value: JSONValue?, at field: String, _: T.Type) -> T? where T.RawValue == String {
            guard let name = string(value, at: field, required: true) else { return nil }
            guard let type = T(rawValue: name) else {
                settings.problem(field, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
                return nil
            }
            return type
        }

        static func defaultTitle(_ type: FigureType) -> String {
            switch type {
            case .kaplanMeier: return "Kaplan-Meier estimates of survival"
            case .forest: return "Hazard ratios from Cox proportional hazards models"
            case .image: return "Figure"
            case .power: return "Simulated power by sample size"
            }
        }

        mutating func table(_ value: JSONValue, at field: String) -> Table? {
            guard let m = settings.mapping(value, field, known: ["type", "input", "file", "title", "labels", "layout", "id"] + Self.characteristicsKeys,
                                           unknown: .atKey(label: "known"),
                                           expected: "a mapping with type and input (or file)") else { return nil }
            let type = kind(m["type"], at: "\(field).type", TableType.self)
            let title = string(m["title"], at: "\(field).title", required: false)
            let (columns, digits) = csvOptions(m, type, at: field)
            let gathers = m["input"].map { gathered[$0.scalarText] != nil } ?? false
            tableLayout(m["layout"], type, gathers: gathers, at: field)
            let id = CrossReferences.id(m["id"], at: "\(field).id", kind: .table, into: &settings)
            guard let type else { return nil }
            let options = characteristicsOptions(m, type, at: field)
            var termLabels: [String: String] = [:]
            if m["labels"] != nil {
                if type == .cox || type == .characteristics { termLabels = self.termLabels(m["labels"], at: "\(field).labels") }
                else { settings.problem("\(field).labels", "only a cox or characteristics table takes labels (a map of term or column labels)") }
                if let options { characteristicsLabels(termLabels, options, at: "\(field).labels") }
            }
            if type == .published {
                if m["input"] != nil { settings.problem("\(field).input", "a published table reads file:, not input:") }
                guard let file = string(m["file"], at: "\(field).file", required: true) else { return nil }
                let normalized = Self.normalize(file)
                guard let name = inputs.keys.sorted().first(where: { Self.normalize(inputs[$0]!) == normalized }) else {
                    settings.problem("\(field).file", "'\(file)' is not among the stage's inputs; add it to inputs (e.g. published: \(file)) so edits to it rerun the report")
                    return nil
                }
                return Table(type: type, input: nil, file: file, fileInput: name, title: title, field: field, id: id)
            }
            if m["file"] != nil { settings.problem("\(field).file", "only a published table reads a file; use input:") }
            guard let one = m["input"] else {
                settings.problem("\(field).input", "missing; name one of the stage's inputs (\(inputList))")
                return nil
            }
            guard let name = inputName(one, at: "\(field).input") else { return nil }
            var table = Table(type: type, input: name, file: nil, fileInput: nil, title: title, columns: columns, digits: digits,
                              characteristics: options, termLabels: termLabels, field: field, id: id)
            if let entries = gathered[name] {
                guard type == .csv || type == .cox else {
                    settings.problem("\(field).input", ReportSettings.gatheredProblem(name, entries, needs: "a \(type.rawValue) table"))
                    return nil
                }
                if entries.isEmpty { settings.problem("\(field).input", "'\(name)' gathers no instances; check its 'where:'") }
                table.instances = entries.map { ReportSettings.gatheredName(name, $0.key) }
                table.instanceLabels = entries.map { $0.label }
            }
            return table
        }

        /// A csv table's `columns:` (distinct names) and `digits:` (0 to 12); a characteristics table
        /// reads its own (`characteristicsOptions`); other tables take neither.
        mutating func csvOptions(_ m: [String: JSONValue], _ type: TableType?, at field: String) -> ([String]?, Int?) {
            if type == .characteristics { return (nil, nil) }
            if type != .csv && type != nil {
                for key in ["columns", "digits"] where m[key] != nil {
                    settings.problem("\(field).\(key)", "only a csv or characteristics table takes \(key); a \(type!.rawValue) table chooses its own")
                }
                return (nil, nil)
            }
            var columns: [String]? = nil
            if let value = m["columns"] {
                let names = settings.textList(value, "\(field).columns", item: "a column name", list: "a list of column names")
                if names.isEmpty { settings.problem("\(field).columns", "must name at least one column (or leave columns out for all)") }
                var seen: Set<String> = []
                for name in names where !seen.insert(name).inserted {
                    settings.problem("\(field).columns", "column '\(name)' is listed twice")
                }
                columns = names
            }
            let digits = m["digits"] == nil ? nil : settings.integer(m["digits"], "\(field).digits", in: 0...12)
            return (columns, digits)
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
                settings.problem(field, "'\(name)' is not an input of this stage; inputs are: \(inputList.isEmpty ? "none" : inputList)")
                return nil
            }
            return name
        }

        /// Text (a number counts as written); `missing` when required and absent.
        mutating func string(_ value: JSONValue?, at field: String, required: Bool) -> String? {
            settings.text(value, field, expected: "text", missing: required ? "missing" : nil)
        }
    }
}
