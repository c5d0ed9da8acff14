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

    /// Splits on whitespace and shell punctuation, keeping redirection operators as words. Works on
    /// UTF-8 bytes: every separator is ASCII, and no byte of a multi-byte character is, so a word is
    /// cut exactly where the characters would cut it (and a 100,000-stage workflow does not pay for
    /// grapheme breaking on every command).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            func flush(_ end: Int) {
                if end > start { words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) }
            }
            var i = 0
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: ">"):
                    // `2>` and `&>` are one operator when the digit or ampersand is the whole word so far.
                    let prefix = i - start == 1 && (bytes[start] == UInt8(ascii: "2") || bytes[start] == UInt8(ascii: "&"))
                        ? String(UnicodeScalar(bytes[start])) : ""
                    if prefix.isEmpty { flush(i) }
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") {
                        words.append(prefix + ">>")
                        i += 1
                    } else {
                        words.append(prefix + ">")
                    }
                    start = i + 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: ";"), UInt8(ascii: "|"),
                     UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "`"),
                     UInt8(ascii: "\""), UInt8(ascii: "'"):
                    flush(i)
                    start = i + 1
                default:
                    break
                }
                i += 1
            }
            flush(bytes.count)
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
