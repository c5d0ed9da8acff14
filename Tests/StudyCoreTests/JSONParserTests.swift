import StudyCore
import Testing

/// `JSONValue.parse`, the project's one JSON reader.
@Suite("JSON parsing")
struct JSONParserTests {
    @Test("integers and fractional numbers stay distinct; objects, arrays, escapes and surrogate pairs")
    func values() throws {
        let value = try JSONValue.parse(Array(#" {"a": [1, 2.0, -3e2, true, null], "s": "x\n\u00e9\ud83d\ude00\"" } "#.utf8))
        #expect(value == .object(["a": .array([.integer(1), .number(2), .number(-300), .bool(true), .null]),
                                  "s": .string("x\né😀\"")]))
    }

    @Test("a syntax error names its byte offset", arguments: [
        (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':'"),
        ("[1, 2", "invalid JSON at byte 5: unexpected end"),
        (#""abc"#, "invalid JSON at byte 4: unterminated string"),
        ("1 2", "invalid JSON at byte 2: trailing characters"),
    ])
    func errors(text: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
        do { _ = try JSONValue.parse(Array(text.utf8)) } catch { #expect(error.description == message) }
    }

    @Test("canonical JSON reads back to the same value")
    func roundTrip() throws {
        let value = JSONValue.object(["k": .array([.integer(7), .number(0.1), .string("é\u{1}")]), "b": .bool(false)])
        #expect(try JSONValue.parse(Array(value.canonicalJSON.utf8)) == value)
    }

    @Test("typed JSON keeps 2.0 apart from 2, so parse gives back the very value; canonical JSON does not")
    func typedRoundTrip() throws {
        let value = JSONValue.object(["a": .array([.number(2), .integer(2), .number(-0.5), .number(1e300)]), "b": .null])
        #expect(value.typedJSON == #"{"a":[2.0,2,-0.5,1e+300],"b":null}"#)
        #expect(try JSONValue.parse(Array(value.typedJSON.utf8)) == value)
        #expect(try JSONValue.parse(Array(value.canonicalJSON.utf8)) != value)
    }
}

@Suite("JSONValue.parse: nesting limit")
struct JSONParserDepthTests {
    @Test("a 40 KB document of nested arrays is refused at the level past the limit, without a crash")
    func deeplyNestedArrays() {
        let text = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
        do { _ = try JSONValue.parse(Array(text.utf8)) } catch {
            #expect(error.description == "invalid JSON at byte 512: arrays and objects nest more than 512 levels deep; flatten the data")
        }
    }

    @Test("nested objects are refused the same way, and 512 levels still parse")
    func nestedObjects() throws {
        let deep = String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)
        do { _ = try JSONValue.parse(Array(deep.utf8)) } catch {
            #expect(error.description == "invalid JSON at byte \(5 * 512): arrays and objects nest more than 512 levels deep; flatten the data")
        }
        let atLimit = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(Array(atLimit.utf8)) }
    }
}
