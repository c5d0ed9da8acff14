import Testing
import _StudyTestSupport
@testable import StudyStages

/// The result-file JSON parser the report reads with: numbers, strings, errors.
@Suite struct ResultValueTests {
    static func parse(_ text: String) throws -> ResultValue { try ResultValue.parse(Array(text.utf8)) }

    @Test("short numbers parse exactly and long ones within one ulp of the standard library")
    func numbers() throws {
        for text in ["0", "-0", "306", "-12.5", "0.001", "1e-300", "6.02e23", "2.5E+3", "123456789012345"] {
            #expect(try Self.parse(text).double == Double(text)!, "\(text)")
        }
        var rng = SplitMix(seed: 11)
        for _ in 0..<20_000 {
            let d = rng.uniform() * (rng.uniform() < 0.5 ? 1 : 1000)
            let text = "\(d)"
            let parsed = try #require(try Self.parse(text).double)
            #expect(parsed == d || parsed.nextUp == d || parsed.nextDown == d, "\(text) → \(parsed)")
        }
        #expect(try Self.parse("12345678901234567890123").double == 12345678901234567890123.0)
    }

    @Test("objects keep member order; strings decode escapes")
    func structure() throws {
        let value = try Self.parse(#" {"b": [1, true, null], "a": "x\"y\u00e9\n", "c": {}} "#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["b", "a", "c"])
        #expect(value["a"]?.string == "x\"yé\n")
        #expect(value["b"]?.array?.count == 3)
    }

    @Test("malformed JSON is an error with the byte offset", arguments: [
        ("{\"a\": }", "unexpected character at byte 7"), ("[1, 2", "unexpected end of file at byte 6"),
        ("{\"a\": 1} x", "unexpected text after the JSON value at byte 10"), ("1.", "unexpected character at byte 3"),
    ])
    func errors(text: String, message: String) {
        #expect(throws: ResultJSONError.self) { try Self.parse(text) }
        do {
            _ = try Self.parse(text)
        } catch {
            #expect((error as? ResultJSONError)?.message == message)
        }
    }
}


/// Arrays of flat numeric objects are stored by column and read back unchanged.
@Suite struct RecordTableTests {
    @Test("steps become a table; mixed arrays stay general; both read the same")
    func table() throws {
        let value = try ResultValue.parse(Array(#"{"s":[{"t":1,"u":null},{"t":2.5,"u":3}],"m":[{"t":1},{"t":"x"}],"n":[{"t":1},{"u":2}]}"#.utf8))
        guard case .table(let t)? = value["s"] else { Issue.record("steps not a table"); return }
        #expect(t.keys == ["t", "u"] && t.count == 2)
        #expect(t.value(0, 1) == nil && t.value(1, 0) == 2.5)
        #expect(value["s"]?.array?[1]["u"]?.double == 3)
        #expect(value["s"]?.array?[0]["u"]?.isNull == true)
        guard case .array(let m)? = value["m"], case .array(let n)? = value["n"] else { Issue.record("fallback failed"); return }
        #expect(m[1]["t"]?.string == "x")
        #expect(n[1]["u"]?.double == 2)
    }
}
