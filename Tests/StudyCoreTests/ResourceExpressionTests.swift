import StudyCore
import Testing

/// `resources: {memory: "2G * attempt", time: "30m * attempt"}` (issue 17 item 3): the grammar,
/// its evaluation per attempt, and the load diagnostics of expressions that are not in it.
@Suite("Resource expressions in 'attempt'")
struct ResourceExpressionTests {
    private func memory(_ text: String, _ attempts: ClosedRange<Int> = 1...3) -> [String]? {
        guard case .success(let e) = ResourceExpression.parse(text, kind: .memory) else { return nil }
        return attempts.map { e.text(attempt: $0) }
    }

    private func time(_ text: String, _ attempts: ClosedRange<Int> = 1...3) -> [Int]? {
        guard case .success(let e) = ResourceExpression.parse(text, kind: .time) else { return nil }
        return attempts.map { e.value(attempt: $0) }
    }

    private func error(_ text: String, _ kind: ResourceExpression.Kind = .memory) -> String? {
        guard case .failure(let e) = ResourceExpression.parse(text, kind: kind) else { return nil }
        return e.message(subject: "'\(kind.rawValue)' of stage 'a'")
    }

    @Test("VALUE * attempt, attempt * VALUE and VALUE + VALUE * attempt scale with the attempt; a plain value does not")
    func memoryForms() {
        #expect(memory("2G * attempt") == ["2G", "4G", "6G"])
        #expect(memory("attempt*512M") == ["512M", "1G", "1536M"])
        #expect(memory("1G + 1G * attempt") == ["2G", "3G", "4G"])
        #expect(memory("100 + 50 * attempt + 1G") == ["1174M", "1224M", "1274M"])
        #expect(memory("1.5T * attempt", 1...2) == ["1536G", "3T"])
        #expect(memory("2G") == ["2G", "2G", "2G"])
        guard case .success(let plain) = ResourceExpression.parse("2G", kind: .memory),
              case .success(let scaled) = ResourceExpression.parse("2G * attempt", kind: .memory) else {
            Issue.record("both parse")
            return
        }
        #expect(!plain.dependsOnAttempt && scaled.dependsOnAttempt)
        #expect(scaled.value(attempt: 3) == 6144)
    }

    @Test("durations scale in seconds and round up to minutes only at the end")
    func timeForms() {
        #expect(time("30m * attempt") == [30, 60, 90])
        #expect(time("90s * attempt") == [2, 3, 5])
        #expect(time("1:00:00 + 30m * attempt") == [90, 120, 150])
        #expect(time("1-00:00:00 * attempt", 1...2) == [1440, 2880])
        guard case .success(let e) = ResourceExpression.parse("45m * attempt", kind: .time) else {
            Issue.record("parses")
            return
        }
        #expect((1...4).map { e.text(attempt: $0) } == ["45m", "90m", "135m", "3h"])
    }

    @Test("StageResources.forAttempt evaluates expressions and keeps plain values exactly as written")
    func forAttempt() {
        let resources = StageResources(threads: 2, memory: "2G * attempt", time: "90", retries: 2)
        #expect(resources.forAttempt(2) == StageResources(threads: 2, memory: "4G", time: "90", retries: 2))
        let plain = StageResources(memory: "2048M", time: "1.5h")
        #expect(plain.forAttempt(3) == plain)
        #expect(StageResources().forAttempt(2) == StageResources())
    }

    @Test("what is not in the grammar is refused with the form it may take and the part that is wrong")
    func refused() {
        let head = "'memory' of stage 'a' must be a size like 512M or 2G, or an expression in 'attempt' like '2G * attempt', got"
        #expect(error("lots") == "'memory' of stage 'a' must be a size like 512M or 2G, got 'lots'")
        #expect(error("2X * attempt") == "\(head) '2X * attempt'; '2X' is not a size like 512M or 2G")
        #expect(error("2G * attempts") == "\(head) '2G * attempts'; 'attempts' is not a size like 512M or 2G")
        #expect(error("2G *") == "\(head) '2G *'; a '+' or '*' has nothing on one side")
        #expect(error("+ 2G") == "\(head) '+ 2G'; a '+' or '*' has nothing on one side")
        #expect(error("attempt") == "\(head) 'attempt'; 'attempt' alone has no unit, write '2G * attempt'")
        #expect(error("attempt * attempt") == "\(head) 'attempt * attempt'; 'attempt * attempt' is not supported, write '2G * attempt'")
        #expect(error("2G * 2") == "\(head) '2G * 2'; '2G * 2' multiplies two values, multiply one by 'attempt'")
        #expect(error("2G * attempt * attempt") == "\(head) '2G * attempt * attempt'; '2G * attempt * attempt' has more than one '*', write 'VALUE * attempt'")
        #expect(error("2G - 1G * attempt") == "\(head) '2G - 1G * attempt'; '2G - 1G' is not a size like 512M or 2G")
        #expect(error("1000000T * attempt") == "\(head) '1000000T * attempt'; by attempt 101 it exceeds 1 EiB")
        #expect(error("30 minutes * attempt", .time) == "'time' of stage 'a' must be a duration like 90s, 30m, 2h or 1-00:00:00, or an expression in 'attempt' like '30m * attempt', got '30 minutes * attempt'; '30 minutes' is not a duration like 90s, 30m, 2h or 1-00:00:00")
        #expect(error("2y * attempt", .time) == "'time' of stage 'a' must be a duration like 90s, 30m, 2h or 1-00:00:00, or an expression in 'attempt' like '30m * attempt', got '2y * attempt'; '2y' is not a duration like 90s, 30m, 2h or 1-00:00:00")
    }

    @Test("a bad expression is a load error at the value, with every other mistake; a good one loads as written")
    func loadDiagnostics() throws {
        let yaml = """
        name: t
        stages:
          a:
            run: x
            resources: {memory: "2G * attempts", time: "30m * attempt"}
          b:
            run: y
            resources: {time: "attempt"}
        """
        let error = #expect(throws: WorkflowDiagnostics.self) { try WorkflowLoader().load(text: yaml, file: "w.yaml") }
        #expect(error?.description == """
        w.yaml:5:25: error: 'memory' of stage 'a' must be a size like 512M or 2G, or an expression in 'attempt' like '2G * attempt', got '2G * attempts'; 'attempts' is not a size like 512M or 2G
        w.yaml:8:23: error: 'time' of stage 'b' must be a duration like 90s, 30m, 2h or 1-00:00:00, or an expression in 'attempt' like '30m * attempt', got 'attempt'; 'attempt' alone has no unit, write '30m * attempt'
        """)
        let good = try WorkflowLoader().load(text: "name: t\nstages:\n  a:\n    run: x\n    resources: {memory: \"1G + 1G * attempt\", time: 30m * attempt}\n", file: "w.yaml")
        #expect(good.stages[0].resources.memory == "1G + 1G * attempt")
        #expect(good.stages[0].resources.time == "30m * attempt")
    }

    @Test("fan-out items expand inside an expression first; each instance's result is checked at the template's value")
    func fanoutItems() throws {
        let yaml = """
        name: t
        stages:
          fit:
            foreach: {small: {mem: 1G}, big: {mem: 4G}, bad: {mem: lots}}
            run: fit ${each.key} > ${outputs.o}
            outputs: {o: "r/${each.key}.txt"}
            resources: {memory: "${each.value.mem} * attempt"}
        """
        let error = #expect(throws: WorkflowDiagnostics.self) { try WorkflowLoader().load(text: yaml, file: "w.yaml") }
        #expect(error?.description == "w.yaml:7:25: error: stage 'fit@bad': 'memory' must be a size like 512M or 2G, or an expression in 'attempt' like '2G * attempt', got 'lots * attempt'; 'lots' is not a size like 512M or 2G")
        let good = try WorkflowLoader().load(text: yaml.replacing(", bad: {mem: lots}", with: ""), file: "w.yaml")
        #expect(good.stages.map(\.id) == ["fit@small", "fit@big"])
        #expect(good.stages.map { $0.resources.forAttempt(2).memory } == ["2G", "8G"])
    }
}

extension ResourceExpressionTests {
    @Test("a plain value is checked exactly as written and kept so; an expression without attempt is evaluated")
    func plainValues() {
        #expect(error(" 2G") == "'memory' of stage 'a' must be a size like 512M or 2G, got ' 2G'")
        #expect(error("") == "'memory' of stage 'a' must be a size like 512M or 2G, got ''")
        #expect(error("2G × attempt") == "'memory' of stage 'a' must be a size like 512M or 2G, or an expression in 'attempt' like '2G * attempt', got '2G × attempt'; '2G × attempt' is not a size like 512M or 2G")
        #expect(ResourceExpression.evaluate("1G + 1G", kind: .memory, attempt: 1) == "2G")
        #expect(ResourceExpression.evaluate("2GB", kind: .memory, attempt: 3) == "2GB")
        #expect(ResourceExpression.evaluate(nil, kind: .time, attempt: 3) == nil)
    }
}
