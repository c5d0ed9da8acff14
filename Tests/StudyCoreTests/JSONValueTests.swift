import StudyCore
import Testing

/// How the loader types `text` written as a plain YAML parameter value.
private func yamlValue(_ text: String) throws -> JSONValue? {
    let workflow = try WorkflowLoader().load(text: "name: t\nparams:\n  p: \(text)\nstages:\n  a:\n    run: x\n", file: "w.yaml")
    return workflow.params["p"]
}

@Suite("JSONValue")
struct JSONValueTests {
    @Test("object keys are sorted and there is no whitespace")
    func sortedKeys() {
        let value = JSONValue.object([
            "b": .integer(1), "a": .array([.bool(true), .null, .number(0.5)]), "B": .object(["z": .string("y"), "y": .object([:])]),
        ])
        #expect(value.canonicalJSON == #"{"B":{"y":{},"z":"y"},"a":[true,null,0.5],"b":1}"#)
    }

    @Test("equal objects built in different orders give the same bytes")
    func orderIndependent() {
        var one: [String: JSONValue] = [:]
        var two: [String: JSONValue] = [:]
        for i in 0..<50 { one["k\(i)"] = .integer(i) }
        for i in (0..<50).reversed() { two["k\(i)"] = .integer(i) }
        #expect(JSONValue.object(one).canonicalJSON == JSONValue.object(two).canonicalJSON)
    }

    @Test("strings escape quotes, backslashes and control characters, and keep other text")
    func stringEscapes() {
        #expect(JSONValue.string("a\"b\\c\nd\re\tf\u{1}g\u{1F}h").canonicalJSON == #""a\"b\\c\nd\re\tf\u0001g\u001fh""#)
        #expect(JSONValue.string("é / 🙂 \u{7F}").canonicalJSON == "\"é / 🙂 \u{7F}\"")
        #expect(JSONValue.quoted("k\"") == #""k\"""#)
        #expect(JSONValue.object(["a\"b": .null]).canonicalJSON == #"{"a\"b":null}"#)
    }

    @Test("integral doubles print without a fraction; others print their shortest round-trip form")
    func numbers() {
        #expect(JSONValue.number(2).canonicalJSON == "2")
        #expect(JSONValue.number(-3).canonicalJSON == "-3")
        #expect(JSONValue.number(-0.0).canonicalJSON == "0")
        #expect(JSONValue.number(0.1).canonicalJSON == "0.1")
        #expect(JSONValue.number(1.5e-7).canonicalJSON == "1.5e-07")
        #expect(JSONValue.number(123_456_789_012_345).canonicalJSON == "123456789012345")
        #expect(JSONValue.number(1e16).canonicalJSON == "1e+16")
        #expect(JSONValue.number(.nan).canonicalJSON == "null")
        #expect(JSONValue.integer(Int.min).canonicalJSON == "-9223372036854775808")
        #expect(JSONValue.number(2).canonicalJSON == JSONValue.integer(2).canonicalJSON)
    }

    @Test("integral doubles from 1e15 up to 2^53 also print without a fraction")
    func integralAtTheLimit() {
        #expect(!JSONValue.number(1e15).canonicalJSON.hasSuffix(".0"))
        #expect(JSONValue.number(1e15).canonicalJSON == "1000000000000000")
        #expect(JSONValue.number(9_007_199_254_740_992).canonicalJSON == "9007199254740992")
        #expect(JSONValue.number(-9_007_199_254_740_992).canonicalJSON == "-9007199254740992")
    }

    @Test("infinity is not valid JSON, so it should encode like NaN")
    func infinity() {
        #expect(JSONValue.number(.infinity).canonicalJSON == "null")
        #expect(JSONValue.number(-.infinity).canonicalJSON == "null")
    }

    @Test("scalar text is what a placeholder expands to")
    func scalarText() {
        #expect(JSONValue.null.scalarText == "")
        #expect(JSONValue.bool(false).scalarText == "false")
        #expect(JSONValue.integer(7).scalarText == "7")
        #expect(JSONValue.number(0.5).scalarText == "0.5")
        #expect(JSONValue.number(3).scalarText == "3")
        #expect(JSONValue.string("a b").scalarText == "a b")
        #expect(JSONValue.array([.integer(1), .string("x"), .array([.bool(true)])]).scalarText == "1 x true")
        #expect(JSONValue.object(["b": .integer(1), "a": .null]).scalarText == #"{"a":null,"b":1}"#)
    }

    @Test("a --param value is typed like a plain YAML scalar")
    func parsingScalar() {
        #expect(JSONValue(parsingScalar: "true") == .bool(true))
        #expect(JSONValue(parsingScalar: "False") == .bool(false))
        #expect(JSONValue(parsingScalar: "TRUE") == .bool(true))
        #expect(JSONValue(parsingScalar: "null") == .null)
        #expect(JSONValue(parsingScalar: "~") == .null)
        #expect(JSONValue(parsingScalar: "") == .null)
        #expect(JSONValue(parsingScalar: "42") == .integer(42))
        #expect(JSONValue(parsingScalar: "-3") == .integer(-3))
        #expect(JSONValue(parsingScalar: "0.5") == .number(0.5))
        #expect(JSONValue(parsingScalar: "-0.5") == .number(-0.5))
        #expect(JSONValue(parsingScalar: ".5") == .number(0.5))
        #expect(JSONValue(parsingScalar: "1e3") == .number(1000))
        #expect(JSONValue(parsingScalar: "inf") == .string("inf"))
        #expect(JSONValue(parsingScalar: "nan") == .string("nan"))
        #expect(JSONValue(parsingScalar: "1.2.3") == .string("1.2.3"))
        #expect(JSONValue(parsingScalar: "hello") == .string("hello"))
        #expect(JSONValue(parsingScalar: "a=b") == .string("a=b"))
    }

    @Test("--param and the workflow file agree on common scalars", arguments: [
        "true", "false", "True", "null", "~", "42", "-3", "0.5", "1e3", "hello", "1.2.3",
    ])
    func parsingScalarAgreesWithYAML(text: String) throws {
        #expect(JSONValue(parsingScalar: text) == (try yamlValue(text)))
    }

    @Test("--param and the workflow file agree on YAML 1.1 booleans like 'yes' and 'off'", arguments: [
        "yes", "no", "on", "off", "Yes", "NO",
    ])
    func parsingScalarAgreesOnYAML11Booleans(text: String) throws {
        let yaml = try yamlValue(text)
        #expect(JSONValue(parsingScalar: text) == yaml)
        let truthy = ["yes", "on"].contains(text.lowercased())
        #expect(JSONValue(parsingScalar: text) == .bool(truthy))
    }
}
