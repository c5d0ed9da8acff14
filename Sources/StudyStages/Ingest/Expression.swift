import StudyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cell value while deriving and filtering: NA, a number, text or a truth value.
enum CellValue: Equatable, Sendable {
    case na
    case number(Double)
    case text(String)
    case bool(Bool)
}

/// A small, safe expression over the columns of one row: numbers, strings, column names
/// (backquoted when they hold spaces), `+ - * /`, comparisons, `and`/`or`/`not`, and the functions
/// `log log2 log10 exp sqrt abs if is_na`. NA propagates; `is_na` tests it.
indirect enum Expression: Equatable, Sendable {
    case constant(CellValue)
    case column(String)
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case call(String, [Expression])

    /// A parse error, with the character offset it was found at.
    struct ParseError: Error, Equatable {
        var message: String
    }

    /// An evaluation error (a type mismatch), described without the row.
    struct EvaluationError: Error, Equatable {
        var message: String
    }

    static let functions: [String: Int] = [
        "log": 1, "log2": 1, "log10": 1, "exp": 1, "sqrt": 1, "abs": 1, "if": 3, "is_na": 1,
    ]

    /// Parses `text`.
    static func parse(_ text: String) throws(ParseError) -> Expression {
        var parser = try ExpressionParser(text)
        return try parser.parseAll()
    }

    /// Every column name the expression reads, in order of first use.
    var columns: [String] {
        var out: [String] = []
        func visit(_ e: Expression) {
            switch e {
            case .constant: break
            case .column(let name): if !out.contains(name) { out.append(name) }
            case .unary(_, let a): visit(a)
            case .binary(_, let a, let b): visit(a); visit(b)
            case .call(_, let args): args.forEach(visit)
            }
        }
        visit(self)
        return out
    }

    /// The first comparison of a column with a constant or column of another type, described with
    /// its fix, or nil. Checked once before any row is read, so a mistyped filter is one error
    /// instead of one per row.
    func typeMismatch(_ types: [String: ColumnType]) -> String? {
        func kind(_ e: Expression) -> String? {
            switch e {
            case .column(let name):
                switch types[name] {
                case .number?, .integer?: return "number"
                case .category?, .string?: return "text"
                case .boolean?: return "boolean"
                case nil: return nil
                }
            case .constant(.number): return "number"
            case .constant(.text): return "text"
            case .constant(.bool): return "boolean"
            default: return nil
            }
        }
        switch self {
        case .constant, .column: return nil
        case .unary(_, let a): return a.typeMismatch(types)
        case .call(_, let args): return args.lazy.compactMap { $0.typeMismatch(types) }.first
        case .binary(let op, let a, let b):
            if let inner = a.typeMismatch(types) ?? b.typeMismatch(types) { return inner }
            guard ["==", "!=", "<", "<=", ">", ">="].contains(op), let ka = kind(a), let kb = kind(b), ka != kb else { return nil }
            if case .column(let name) = a { return Expression.mismatchMessage(name, types[name]!, op, b, columnLeft: true) }
            if case .column(let name) = b { return Expression.mismatchMessage(name, types[name]!, op, a, columnLeft: false) }
            return nil
        }
    }

    private static func mismatchMessage(_ name: String, _ type: ColumnType, _ op: String, _ other: Expression,
                                        columnLeft: Bool) -> String {
        func comparison(_ value: String) -> String { columnLeft ? "\(name) \(op) \(value)" : "\(value) \(op) \(name)" }
        let what: String
        switch other {
        case .constant(.text(let t)): what = "the text \"\(t)\""
        case .constant(.number(let d)): what = "the number \(NumberFormat.format(d))"
        case .constant(.bool(let b)): what = "\(b)"
        case .column(let o): what = "column '\(o)'"
        default: what = "a value of another type"
        }
        var fix: String
        switch (type, other) {
        case (.number, .constant(.text(let t))), (.integer, .constant(.text(let t))):
            fix = NumberFormat.parse(t).map { "compare with a number (\(comparison(NumberFormat.format($0)))), or " } ?? ""
            fix += "declare the column's type: columns: {\(name): {type: category}}"
        case (.category, .constant(.number(let d))), (.string, .constant(.number(let d))):
            fix = "compare with text (\(comparison("\"\(NumberFormat.format(d))\""))), or declare the column's type: "
                + "columns: {\(name): {type: number}}"
        case (.boolean, _):
            fix = "compare with true or false"
        case (_, .column):
            fix = "declare both columns with the same type under columns:"
        default:
            fix = "compare with a value of the column's type"
        }
        return "column '\(name)' is \(type == .integer ? "an" : "a") \(type.rawValue) but is compared with \(what); \(fix)"
    }

    /// The value for one row, reading columns through `lookup`.
    func evaluate(_ lookup: (String) -> CellValue) throws(EvaluationError) -> CellValue {
        switch self {
        case .constant(let v): return v
        case .column(let name): return lookup(name)
        case .unary(let op, let a):
            let v = try a.evaluate(lookup)
            if v == .na { return .na }
            if op == "not" { return .bool(!(try Expression.truth(v, op))) }
            return .number(-(try Expression.number(v, op)))
        case .binary(let op, let a, let b):
            if op == "and" || op == "or" {
                let x = try a.evaluate(lookup)
                let xt = x == .na ? nil : try Expression.truth(x, op)
                if op == "and", xt == false { return .bool(false) }
                if op == "or", xt == true { return .bool(true) }
                let y = try b.evaluate(lookup)
                let yt = y == .na ? nil : try Expression.truth(y, op)
                if op == "and", yt == false { return .bool(false) }
                if op == "or", yt == true { return .bool(true) }
                guard let xt, let yt else { return .na }
                return .bool(op == "and" ? xt && yt : xt || yt)
            }
            let x = try a.evaluate(lookup), y = try b.evaluate(lookup)
            if x == .na || y == .na { return .na }
            switch op {
            case "+", "-", "*", "/":
                let p = try Expression.number(x, op), q = try Expression.number(y, op)
                switch op {
                case "+": return Expression.finite(p + q)
                case "-": return Expression.finite(p - q)
                case "*": return Expression.finite(p * q)
                default: return Expression.finite(p / q)
                }
            default:
                return .bool(try Expression.compare(op, x, y))
            }
        case .call(let name, let args):
            if name == "is_na" { return .bool(try args[0].evaluate(lookup) == .na) }
            if name == "if" {
                let c = try args[0].evaluate(lookup)
                if c == .na { return .na }
                return try Expression.truth(c, "if") ? args[1].evaluate(lookup) : args[2].evaluate(lookup)
            }
            let v = try args[0].evaluate(lookup)
            if v == .na { return .na }
            let x = try Expression.number(v, name)
            switch name {
            case "log": return Expression.finite(log(x))
            case "log2": return Expression.finite(log2(x))
            case "log10": return Expression.finite(log10(x))
            case "exp": return Expression.finite(exp(x))
            case "sqrt": return Expression.finite(x.squareRoot())
            default: return .number(Swift.abs(x))
            }
        }
    }

    /// Non-finite results (log of 0, division by 0) are NA, as there is no number to write.
    private static func finite(_ d: Double) -> CellValue { d.isFinite ? .number(d) : .na }

    private static func describe(_ v: CellValue) -> String {
        switch v {
        case .na: return "NA"
        case .number(let d): return NumberFormat.format(d)
        case .text(let s): return "'\(s)'"
        case .bool(let b): return b ? "true" : "false"
        }
    }

    private static func number(_ v: CellValue, _ op: String) throws(EvaluationError) -> Double {
        if case .number(let d) = v { return d }
        throw EvaluationError(message: "'\(op)' needs a number, got \(describe(v))")
    }

    private static func truth(_ v: CellValue, _ op: String) throws(EvaluationError) -> Bool {
        if case .bool(let b) = v { return b }
        throw EvaluationError(message: "'\(op)' needs true or false, got \(describe(v))")
    }

    private static func compare(_ op: String, _ x: CellValue, _ y: CellValue) throws(EvaluationError) -> Bool {
        let order: Int
        switch (x, y) {
        case (.number(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        case (.text(let a), .text(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        case (.bool(let a), .bool(let b)) where op == "==" || op == "!=": order = a == b ? 0 : 1
        default:
            throw EvaluationError(message: "cannot compare \(describe(x)) \(op) \(describe(y))")
        }
        switch op {
        case "==": return order == 0
        case "!=": return order != 0
        case "<": return order < 0
        case "<=": return order <= 0
        case ">": return order > 0
        default: return order >= 0
        }
    }
}

/// Recursive descent over tokens; one function per precedence level.
private struct ExpressionParser {
    enum Token: Equatable {
        case number(Double)
        case text(String)
        case name(String)
        case quotedName(String)
        case symbol(String)
    }

    var tokens: [Token] = []
    var position = 0

    init(_ text: String) throws(Expression.ParseError) {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count, chars[j].isNumber || chars[j] == "." { j += 1 }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
                    if k < chars.count, chars[k].isNumber {
                        j = k
                        while j < chars.count, chars[j].isNumber { j += 1 }
                    }
                }
                let literal = String(chars[i..<j])
                guard let d = Double(literal) else { throw Expression.ParseError(message: "bad number '\(literal)'") }
                tokens.append(.number(d))
                i = j
            } else if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "." { j += 1 }
                tokens.append(.name(String(chars[i..<j])))
                i = j
            } else if c == "`" || c == "\"" || c == "'" {
                var j = i + 1
                while j < chars.count, chars[j] != c { j += 1 }
                guard j < chars.count else { throw Expression.ParseError(message: "unterminated \(c)") }
                let body = String(chars[(i + 1)..<j])
                tokens.append(c == "`" ? .quotedName(body) : .text(body))
                i = j + 1
            } else {
                let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
                if ["==", "!=", "<=", ">="].contains(two) {
                    tokens.append(.symbol(two))
                    i += 2
                } else if "+-*/<>(),".contains(c) {
                    tokens.append(.symbol(String(c)))
                    i += 1
                } else {
                    throw Expression.ParseError(message: "unexpected character '\(c)'")
                }
            }
        }
    }

    mutating func parseAll() throws(Expression.ParseError) -> Expression {
        let e = try parseOr()
        if position < tokens.count { throw Expression.ParseError(message: "unexpected \(describe(tokens[position]))") }
        return e
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .number(let d): return "'\(NumberFormat.format(d))'"
        case .text(let s): return "'\"\(s)\"'"
        case .name(let s), .quotedName(let s), .symbol(let s): return "'\(s)'"
        }
    }

    private mutating func accept(_ t: Token) -> Bool {
        if position < tokens.count, tokens[position] == t { position += 1; return true }
        return false
    }

    private mutating func expect(_ symbol: String) throws(Expression.ParseError) {
        guard accept(.symbol(symbol)) else {
            let found = position < tokens.count ? describe(tokens[position]) : "end of expression"
            throw Expression.ParseError(message: "expected '\(symbol)', found \(found)")
        }
    }

    private mutating func parseOr() throws(Expression.ParseError) -> Expression {
        var e = try parseAnd()
        while accept(.name("or")) { e = .binary("or", e, try parseAnd()) }
        return e
    }

    private mutating func parseAnd() throws(Expression.ParseError) -> Expression {
        var e = try parseNot()
        while accept(.name("and")) { e = .binary("and", e, try parseNot()) }
        return e
    }

    private mutating func parseNot() throws(Expression.ParseError) -> Expression {
        if accept(.name("not")) { return .unary("not", try parseNot()) }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(Expression.ParseError) -> Expression {
        let e = try parseSum()
        for op in ["==", "!=", "<=", ">=", "<", ">"] where accept(.symbol(op)) {
            return .binary(op, e, try parseSum())
        }
        return e
    }

    private mutating func parseSum() throws(Expression.ParseError) -> Expression {
        var e = try parseProduct()
        while true {
            if accept(.symbol("+")) { e = .binary("+", e, try parseProduct()) }
            else if accept(.symbol("-")) { e = .binary("-", e, try parseProduct()) }
            else { return e }
        }
    }

    private mutating func parseProduct() throws(Expression.ParseError) -> Expression {
        var e = try parseUnary()
        while true {
            if accept(.symbol("*")) { e = .binary("*", e, try parseUnary()) }
            else if accept(.symbol("/")) { e = .binary("/", e, try parseUnary()) }
            else { return e }
        }
    }

    private mutating func parseUnary() throws(Expression.ParseError) -> Expression {
        if accept(.symbol("-")) { return .unary("-", try parseUnary()) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Expression.ParseError) -> Expression {
        guard position < tokens.count else { throw Expression.ParseError(message: "unexpected end of expression") }
        let token = tokens[position]
        position += 1
        switch token {
        case .number(let d): return .constant(.number(d))
        case .text(let s): return .constant(.text(s))
        case .quotedName(let s): return .column(s)
        case .symbol("("):
            let e = try parseOr()
            try expect(")")
            return e
        case .symbol(let s): throw Expression.ParseError(message: "unexpected '\(s)'")
        case .name(let s):
            switch s {
            case "true": return .constant(.bool(true))
            case "false": return .constant(.bool(false))
            case "NA": return .constant(.na)
            default: break
            }
            guard accept(.symbol("(")) else { return .column(s) }
            guard let arity = Expression.functions[s] else {
                throw Expression.ParseError(message: "unknown function '\(s)'"
                    + Spelling.hint(for: s, among: Expression.functions.keys))
            }
            var args: [Expression] = []
            if !accept(.symbol(")")) {
                repeat { args.append(try parseOr()) } while accept(.symbol(","))
                try expect(")")
            }
            guard args.count == arity else {
                throw Expression.ParseError(message: "'\(s)' takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)")
            }
            return .call(s, args)
        }
    }
}
