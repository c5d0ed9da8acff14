import StudyCore
import Testing
@testable import StudyProvenance

/// The ledger's JSON reader and writer: what it writes it reads back unchanged, and the layout
/// keeps one member a line so git diffs stay small.
@Suite("ledger JSON")
struct JSONTextTests {
    static let value = JSONValue.object([
        "b": .array([.integer(1), .number(2.5), .null, .bool(true)]),
        "a": .string("tab\there \"quoted\" back\\slash\nnewline é ✓ \u{1}"),
        "nested": .object(["z": .array([.object(["k": .integer(-3)])]), "y": .object([:]), "x": .array([])]),
    ])

    @Test("pretty text parses back to the same value, keys sorted")
    func roundTrip() throws {
        let text = JSONText.pretty(Self.value)
        #expect(JSONText.parse(text) == Self.value)
        #expect(text.hasPrefix("{\n  \"a\": "))
        #expect(text.contains("\"b\": [1,2.5,null,true],\n"))
        #expect(JSONText.parse(Self.value.canonicalJSON) == Self.value)
    }

    @Test("invalid text is rejected, not half-read")
    func invalid() {
        for text in ["{", "[1,]", "{\"a\" 1}", "\"open", "1 2", "tru"] {
            #expect(JSONText.parse(text) == nil, "\(text)")
        }
    }
}
