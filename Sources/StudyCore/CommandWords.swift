import Synchronization

/// Finds the workspace files a shell command names without declaring them (`python3 scripts/clean.py`),
/// so editing such a script reruns the stage as DESIGN.md section 3 asks.
public enum CommandWords {
    /// Relative, path-like words in the literal parts of a stage's command that are not its
    /// declared inputs or outputs and are not redirection targets. Whether each is a real file is
    /// decided when the stage key is computed.
    public static func candidates(of stage: Stage) -> [String] {
        guard case .shell(let template) = stage.action else { return [] }
        var result: [String] = []
        // Sets only when a stage is large (a gather's inputs, a long command): most have a few paths.
        var seen: Set<String>?
        var declared: Set<String>?
        for segment in template.segments {
            guard case .literal(let text) = segment else { continue }
            for path in literalCandidates(text) {
                if declared == nil, stage.inputs.count + stage.outputs.count > 16 {
                    declared = Set(stage.inputs.map(\.path) + stage.outputs.map(\.path))
                }
                let isDeclared = declared?.contains(path)
                    ?? (stage.inputs.contains { $0.path == path } || stage.outputs.contains { $0.path == path })
                if isDeclared { continue }
                if seen == nil, result.count > 16 { seen = Set(result) }
                if seen != nil ? !seen!.insert(path).inserted : result.contains(path) { continue }
                result.append(path)
            }
        }
        return result
    }

    /// Path-like words of one literal piece of a command, normalized, without redirection
    /// targets. Remembered per text when longer than `shortPiece`: a fan-out's instances share
    /// their literal pieces.
    static func literalCandidates(_ text: String) -> [String] {
        // A short piece (`cat `, ` | cksum > `, ` && echo s17 >> `) is split in less time than the
        // memo takes to hash, find and, for a large workflow's unique pieces, grow.
        if text.utf8.count <= shortPiece { return computeCandidates(text) }
        if let known = memo.withLock({ $0[text] }) { return known }
        let result = computeCandidates(text)
        memo.withLock { known in
            // Bounded, but above the literal pieces of a 100,000-stage workflow of unique commands.
            // The keys share storage with the workflow's own text, so an entry costs the table's slot.
            if known.count >= memoLimit { known.removeAll(keepingCapacity: true) }
            known[text] = result
        }
        return result
    }

    /// Pieces up to this many bytes are not remembered.
    static let shortPiece = 32

    /// `literalCandidates` without the memo.
    static func computeCandidates(_ text: String) -> [String] {
        var result: [String] = []
        var afterRedirect = false
        for word in words(text) {
            if word == ">" || word == ">>" || word == "2>" || word == "&>" || word == "2>>" {
                afterRedirect = true
                continue
            }
            defer { afterRedirect = false }
            if afterRedirect { continue }
            for piece in pieces(of: word) {
                guard isPathLike(piece), case .inside(let path, false) = WorkspacePath.normalize(String(piece)),
                      !result.contains(path) else { continue }
                result.append(path)
            }
        }
        return result
    }

    /// The parts of `word` between '=' signs. An ASCII word is cut on its bytes (the same cuts,
    /// without grapheme breaking); another on its characters, where a '=' followed by a combining
    /// mark is not a separator.
    private static func pieces(of word: String) -> [Substring] {
        guard word.utf8.allSatisfy({ $0 < 0x80 }) else { return word.split(separator: "=", omittingEmptySubsequences: true) }
        return word.utf8.split(separator: UInt8(ascii: "="), omittingEmptySubsequences: true).map { Substring($0) }
    }

    private static let memoLimit = 1 << 18
    private static let memo = Mutex<[String: [String]]>([:])

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

    /// Whether a word looks like a relative path: it has a '/' or a file extension (`clean.py`, not
    /// `cksum` or `1.5`), and no glob, variable or escape. An ASCII word is judged on its bytes,
    /// which cuts it as the characters would; any other word, on its characters.
    static func isPathLike(_ word: Substring) -> Bool {
        if let ascii = word.utf8.withContiguousStorageIfAvailable({ isPathLike(ascii: $0) }), let ascii { return ascii }
        return isPathLike(characters: word)
    }

    /// `isPathLike` on the bytes of a word, or nil when it is not all ASCII.
    private static func isPathLike(ascii word: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard !word.contains(where: { $0 >= 0x80 }) else { return nil }
        guard let first = word.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "/"), first != UInt8(ascii: "~") else { return false }
        var dot: Int?
        for (i, byte) in word.enumerated() {
            switch byte {
            case UInt8(ascii: "$"), UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\\"):
                return false
            case UInt8(ascii: "."): dot = i
            default: break
            }
        }
        if word.contains(UInt8(ascii: "/")) { return true }
        guard let dot, dot != 0, dot + 1 < word.count else { return false }
        var letter = false
        for byte in word[(dot + 1)...] {
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            guard isLetter || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else { return false }
            letter = letter || isLetter
        }
        return letter
    }

    /// `isPathLike` on the characters of any word (the reference the byte path is tested against).
    static func isPathLike(characters word: Substring) -> Bool {
        guard let first = word.first, first != "-", first != "/", first != "~" else { return false }
        if word.contains(where: { "$*?[]{}\\".contains($0) }) { return false }
        if word.contains("/") { return true }
        // A bare name counts only with a file extension (`clean.py`), not `cksum` or `1.5`.
        guard let dot = word.lastIndex(of: "."), dot != word.startIndex else { return false }
        let ext = word[word.index(after: dot)...]
        return !ext.isEmpty && ext.allSatisfy { $0.isLetter || $0.isNumber } && ext.contains(where: \.isLetter)
    }
}
