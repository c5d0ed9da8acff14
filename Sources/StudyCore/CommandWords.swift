/// Finds the workspace files a shell command names without declaring them (`python3 scripts/clean.py`),
/// so editing such a script reruns the stage as DESIGN.md section 3 asks.
public enum CommandWords {
    /// Relative, path-like words in the literal parts of a stage's command that are not its
    /// declared inputs or outputs and are not redirection targets. Whether each is a real file is
    /// decided when the stage key is computed.
    public static func candidates(of stage: Stage) -> [String] {
        guard case .shell(let template) = stage.action else { return [] }
        var declared = Set(stage.inputs.map(\.path))
        for output in stage.outputs { declared.insert(output.path) }
        var result: [String] = []
        var seen: Set<String> = []
        for segment in template.segments {
            guard case .literal(let text) = segment else { continue }
            var afterRedirect = false
            for word in words(text) {
                if word == ">" || word == ">>" || word == "2>" || word == "&>" || word == "2>>" {
                    afterRedirect = true
                    continue
                }
                defer { afterRedirect = false }
                if afterRedirect { continue }
                for piece in word.split(separator: "=", omittingEmptySubsequences: true) {
                    guard isPathLike(piece), case .inside(let path, false) = WorkspacePath.normalize(String(piece)),
                          !declared.contains(path), seen.insert(path).inserted else { continue }
                    result.append(path)
                }
            }
        }
        return result
    }

    /// Splits on whitespace and shell punctuation, keeping redirection operators as words.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        func flush() { if !current.isEmpty { words.append(current); current = "" } }
        var chars = Array(text)
        chars.append(" ")
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case ">":
                let op = (current == "2" || current == "&") ? current + ">" : ">"
                if current == "2" || current == "&" { current = "" } else { flush() }
                if i + 1 < chars.count, chars[i + 1] == ">" { words.append(op + ">"); i += 1 } else { words.append(op) }
            case " ", "\t", "\n", ";", "|", "&", "<", "(", ")", "`", "\"", "'":
                flush()
            default:
                current.append(c)
            }
            i += 1
        }
        return words
    }

    private static func isPathLike(_ word: Substring) -> Bool {
        guard let first = word.first, first != "-", first != "/", first != "~" else { return false }
        if word.contains(where: { "$*?[]{}\\".contains($0) }) { return false }
        if word.contains("/") { return true }
        // A bare name counts only with a file extension (`clean.py`), not `cksum` or `1.5`.
        guard let dot = word.lastIndex(of: "."), dot != word.startIndex else { return false }
        let ext = word[word.index(after: dot)...]
        return !ext.isEmpty && ext.allSatisfy { $0.isLetter || $0.isNumber } && ext.contains(where: \.isLetter)
    }
}
