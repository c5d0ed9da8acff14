/// A self-contained report: title, authors, sections of Markdown text with numbered figures (inline
/// SVG) and tables, and a provenance section. `html` has inline CSS, no scripts, no external
/// requests and no wall-clock time, host or run id, so the same content always gives the same bytes.
public struct ReportDocument: Sendable {
    /// A rendered figure: its SVG and the words around it.
    public struct Figure: Sendable {
        /// Heading or figure title.
        public var title: String
        /// Text after the numbered title (Markdown inline).
        public var caption: String?
        /// The `<svg>` element.
        public var svg: String
        /// The SVG's description, repeated in the Markdown summary where the image cannot go.
        public var description: String
        /// What the Markdown summary shows instead of the quoted description (e.g. an image link
        /// to the file); nil for a built-in chart.
        public var markdownBody: String?

        /// Creates a figure.
        public init(title: String, caption: String?, svg: String, description: String, markdownBody: String? = nil) {
            self.title = title
            self.caption = caption
            self.svg = svg
            self.description = description
            self.markdownBody = markdownBody
        }
    }

    /// A figure or a table, in the order the section lists them.
    public enum Block: Sendable {
        case figure(Figure)
        case table(ReportTable)
    }

    /// One section: a heading, Markdown text, then its blocks.
    public struct Section: Sendable {
        /// Heading or figure title.
        public var title: String
        /// Markdown text shown under the heading.
        public var text: String
        /// Figures and tables in order.
        public var blocks: [Block]
        /// Markdown a stage wrote (`text_input:`), shown after `text` with the same safe renderer.
        public var inputText: String

        /// Creates a section.
        public init(title: String, text: String, blocks: [Block], inputText: String = "") {
            self.title = title
            self.text = text
            self.blocks = blocks
            self.inputText = inputText
        }
    }

    /// Where the data behind one figure or table came from: the input file, the stage that wrote it
    /// (nil for a source file) and its SHA-256, which `studyflow audit` shows for the same file.
    public struct Provenance: Equatable, Sendable {
        /// `Figure 2` or `Table 1`.
        public var item: String
        /// Input name in the stage.
        public var input: String
        /// Workspace-relative file path.
        public var path: String
        /// Id of the stage that wrote the file; nil for a source file.
        public var stage: String?
        /// Hex SHA-256 of the file.
        public var sha256: String

        /// Creates an entry.
        public init(item: String, input: String, path: String, stage: String?, sha256: String) {
            self.item = item
            self.input = input
            self.path = path
            self.stage = stage
            self.sha256 = sha256
        }
    }

    /// Heading or figure title.
    public var title: String
    /// Author names, in order.
    public var authors: [String]
    /// Sections in order.
    public var sections: [Section]
    /// Entries in figure/table order; empty omits the section.
    public var provenance: [Provenance]

    /// Creates a document.
    public init(title: String, authors: [String], sections: [Section], provenance: [Provenance]) {
        self.title = title
        self.authors = authors
        self.sections = sections
        self.provenance = provenance
    }

    /// The HTML page.
    public var html: String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // Forbid every fetch: the page must render offline exactly as it will in an archive.
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        out += "<meta name=\"generator\" content=\"StudyFlow report/html\">\n"
        out += "<title>\(TextFormat.escape(title))</title>\n<style>\n\(ReportDocument.css)</style>\n</head>\n<body>\n<main>\n"
        out += "<header>\n<h1>\(TextFormat.escape(title))</h1>\n"
        if !authors.isEmpty { out += "<p class=\"authors\">\(TextFormat.escape(authors.joined(separator: ", ")))</p>\n" }
        out += "</header>\n"
        out += contents
        var figureNumber = 0, tableNumber = 0
        for (s, section) in sections.enumerated() {
            out += "<section id=\"s\(s + 1)\">\n<h2>\(TextFormat.escape(section.title))</h2>\n"
            out += Markdown.html(section.text)
            if !section.inputText.isEmpty { out += Markdown.html(section.inputText) }
            for block in section.blocks {
                switch block {
                case .figure(let figure):
                    figureNumber += 1
                    out += "<figure id=\"figure-\(figureNumber)\">\n\(figure.svg)\n<figcaption><span class=\"label\">Figure \(figureNumber).</span> "
                    out += "<strong>\(TextFormat.escape(ReportDocument.sentence(figure.title)))</strong>"
                    if let caption = figure.caption, !caption.isEmpty { out += " " + Markdown.inline(caption) }
                    out += "</figcaption>\n</figure>\n"
                case .table(let table):
                    tableNumber += 1
                    out += "<div class=\"table\" id=\"table-\(tableNumber)\">\n" + table.html(number: tableNumber) + "</div>\n"
                }
            }
            out += "</section>\n"
        }
        if !provenance.isEmpty {
            // An appendix, closed: complete for whoever checks it, out of the way of whoever reads.
            out += "<section id=\"provenance\" class=\"appendix\">\n<details>\n<summary><h2>Appendix: provenance</h2></summary>\n"
            out += "<p>Each figure and table was drawn from the files below. Check one with "
            out += "<code>studyflow audit PATH</code>: the digests must match.</p>\n"
            out += "<table class=\"provenance\">\n<thead><tr><th>Item</th><th>Input</th><th>File</th><th>Made by stage</th>"
            out += "<th>SHA-256</th></tr></thead>\n<tbody>\n"
            for entry in provenance {
                out += "<tr><td>\(TextFormat.escape(entry.item))</td><td>\(TextFormat.escape(entry.input))</td>"
                out += "<td><code>\(TextFormat.escape(entry.path))</code></td>"
                out += "<td>\(entry.stage.map { "<code>\(TextFormat.escape($0))</code>" } ?? "source file")</td>"
                out += "<td class=\"digest\"><code>\(entry.sha256)</code></td></tr>\n"
            }
            out += "</tbody>\n</table>\n</details>\n</section>\n"
        }
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    /// The table of contents: each section's heading linking its anchor (`#s1`, `#provenance`);
    /// empty for a report of one section, where it would only repeat the heading below it.
    var contents: String {
        var entries = sections.enumerated().map { s, section in (anchor: "s\(s + 1)", title: section.title) }
        if !provenance.isEmpty { entries.append((anchor: "provenance", title: "Provenance")) }
        guard entries.count > 1 else { return "" }
        var out = "<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n"
        for entry in entries { out += "<li><a href=\"#\(entry.anchor)\">\(TextFormat.escape(entry.title))</a></li>\n" }
        return out + "</ol>\n</nav>\n"
    }

    /// A Markdown summary: the text, tables as Markdown tables, figures by title, caption and
    /// description (Markdown has no inline SVG that every viewer shows), and the provenance table.
    public var markdown: String {
        var out = "# \(title)\n\n"
        if !authors.isEmpty { out += authors.joined(separator: ", ") + "\n\n" }
        var figureNumber = 0, tableNumber = 0
        for section in sections {
            out += "## \(section.title)\n\n"
            let text = section.text.trimmingSpaces
            if !text.isEmpty { out += text + "\n\n" }
            let inputText = section.inputText.trimmingCharacters(" \t\r\n")
            if !inputText.isEmpty { out += inputText + "\n\n" }
            for block in section.blocks {
                switch block {
                case .figure(let figure):
                    figureNumber += 1
                    out += "**Figure \(figureNumber).** \(ReportDocument.sentence(figure.title))"
                    if let caption = figure.caption, !caption.isEmpty { out += " " + caption }
                    out += "\n\n" + (figure.markdownBody ?? "> \(figure.description)\n\n")
                case .table(let table):
                    tableNumber += 1
                    out += table.markdown(number: tableNumber) + "\n"
                }
            }
        }
        if !provenance.isEmpty {
            out += "## Appendix: provenance\n\n| Item | Input | File | Made by stage | SHA-256 |\n|---|---|---|---|---|\n"
            for entry in provenance {
                out += "| \(entry.item) | \(TextFormat.markdownCell(entry.input)) | `\(entry.path)` | "
                out += "\(entry.stage.map { "`\($0)`" } ?? "source file") | `\(entry.sha256)` |\n"
            }
        }
        return out
    }

    /// `text` ending in a full stop, as a figure title before its caption reads in a journal.
    static func sentence(_ text: String) -> String {
        guard let last = text.last, !".?!".contains(last) else { return text }
        return text + "."
    }

    /// Restrained journal styling: serif text in one readable column, sans-serif figures, hairline
    /// table rules, nothing that depends on a font download. Print keeps figures and tables whole.
    static let css = """
    :root{color-scheme:light}
    body{margin:0;background:#fff;color:\(Palette.ink);font:16px/1.55 Georgia,"Times New Roman",Times,serif}
    main{max-width:760px;margin:0 auto;padding:24px 20px 48px}
    header{border-bottom:1px solid \(Palette.ink);margin-bottom:20px}
    h1{font-size:1.6em;line-height:1.25;margin:0 0 6px}
    .authors{margin:0 0 14px;color:\(Palette.muted)}
    h2{font-size:1.2em;margin:30px 0 8px}h3{font-size:1.05em;margin:20px 0 6px}h4,h5,h6{font-size:1em;margin:16px 0 4px}
    p,ul,ol{margin:0 0 12px}
    a{color:#0072B2}
    code,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:0.86em}
    pre{background:#f6f6f6;padding:8px 10px;overflow-x:auto}
    figure{margin:22px 0;break-inside:avoid;page-break-inside:avoid;overflow-x:auto}
    svg.chart{display:block;width:100%;height:auto;max-width:\(TextFormat.coordinate(SVGCanvas.chartWidth))px;min-width:\(TextFormat.coordinate(SVGCanvas.minimumRenderedWidth))px}
    .panel{min-width:0;overflow-x:auto}.panels:has(svg.chart){grid-template-columns:1fr!important}
    \(SmallMultiples.css)nav.toc{font:14px/1.5 Helvetica,Arial,sans-serif;margin:0 0 8px}nav.toc h2{font-size:1em;margin:0 0 4px}nav.toc ol{margin:0;padding-left:22px}
    figcaption,caption,.note{font:13px/1.45 Helvetica,Arial,sans-serif;color:\(Palette.ink)}
    figcaption{margin-top:6px}
    .label{font-weight:bold}
    .table{margin:22px 0;overflow-x:auto;break-inside:avoid;page-break-inside:avoid}
    table{border-collapse:collapse;font:13px/1.4 Helvetica,Arial,sans-serif;min-width:60%}
    caption{text-align:left;padding-bottom:6px}
    thead th{border-top:1.5px solid \(Palette.ink);border-bottom:1px solid \(Palette.ink);text-align:left;font-weight:bold}
    th,td{padding:3px 10px 3px 0;vertical-align:top}
    tbody tr:last-child td{border-bottom:1.5px solid \(Palette.ink)}
    .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .note{margin-top:4px;color:\(Palette.muted)}
    summary{cursor:pointer}summary h2{display:inline;font-size:1.2em}.appendix{margin-top:40px}.appendix details{overflow-x:auto}
    code{overflow-wrap:anywhere}.digest code{font-size:11px;word-break:break-all}.provenance td:first-child{white-space:nowrap}
    @media (max-width:600px){body{font-size:15px}main{padding:16px 12px 32px}th,td{padding-right:6px}\(SmallMultiples.phoneCSS)}
    @media print{@page{size:A4;margin:18mm 16mm}body{font-size:11pt}main{max-width:none;padding:0}a{color:inherit}
    .panel{break-inside:avoid;page-break-inside:avoid}h2{break-after:avoid;page-break-after:avoid}figure{overflow:visible}svg.chart{min-width:0}
    svg.chart,figure img{max-height:230mm;object-fit:contain}nav.toc{break-after:avoid}}

    """
}
