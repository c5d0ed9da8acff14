import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A workflow whose `fit` stage fans out over `${params.items}` and whose `summary` gathers
/// every instance's output.
private func fanoutYAML(items: String) -> String {
    """
    name: fan
    params:
      items: \(items)
    stages:
      fit:
        foreach: ${params.items}
        run: echo ${each.value.x} > ${outputs.out}
        outputs: {out: "results/fit-${each.key}.txt"}
      summary:
        inputs:
          fits: {each: fit, output: out}
        run: cat ${inputs.fits} > ${outputs.out}
        outputs: {out: results/summary.txt}
    """
}

@Suite("Fan-out caching: an instance's key depends on its own item only")
struct FanoutCachingTests {
    private func ran(_ items: String) throws -> TestWorkspace {
        let ws = TestWorkspace(yaml: fanoutYAML(items: items))
        let first = try ws.runFake().summary
        try #require(first.ok)
        #expect(first.ids(.ran) == ["fit@a", "fit@b", "fit@c", "summary"])
        return ws
    }

    @Test("a second run caches every instance and the gather")
    func secondRunCached() throws {
        let ws = try ran("{a: {x: 1}, b: {x: 2}, c: {x: 3}}")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.cached) == ["fit@a", "fit@b", "fit@c", "summary"])
        #expect(executor.executed.isEmpty)
    }

    @Test("changing item b reruns only fit@b and the gather that reads it")
    func changedItem() throws {
        let ws = try ran("{a: {x: 1}, b: {x: 2}, c: {x: 3}}")
        ws.yaml = fanoutYAML(items: "{a: {x: 1}, b: {x: 20}, c: {x: 3}}")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["fit@b", "summary"])
        #expect(summary.ids(.cached) == ["fit@a", "fit@c"])
        #expect(executor.executed == ["fit@b", "summary"])
        #expect(summary.reasons("summary") == [.upstreamReran("fit@b")])
        #expect(ws.directory.read("results/fit-b.txt")?.contains("command echo 20 > results/fit-b.txt") == true)
    }

    @Test("adding an item runs only the new instance and the gather, which now reads it too")
    func addedItem() throws {
        let ws = try ran("{a: {x: 1}, b: {x: 2}, c: {x: 3}}")
        ws.yaml = fanoutYAML(items: "{a: {x: 1}, b: {x: 2}, c: {x: 3}, d: {x: 4}}")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["fit@d", "summary"])
        #expect(summary.ids(.cached) == ["fit@a", "fit@b", "fit@c"])
        #expect(executor.executed == ["fit@d", "summary"])
        let gathered = ws.directory.read("results/summary.txt") ?? ""
        #expect(gathered.contains("command cat results/fit-a.txt results/fit-b.txt results/fit-c.txt results/fit-d.txt > results/summary.txt"))
    }

    @Test("a list of scalars works the same way: removing an item reruns only the gather")
    func removedItem() throws {
        let ws = TestWorkspace(yaml: fanoutYAML(items: "[a, b, c]").replacingAll("${each.value.x}", with: "${each.value}"))
        try #require(try ws.runFake().summary.ok)
        ws.yaml = fanoutYAML(items: "[a, c]").replacingAll("${each.value.x}", with: "${each.value}")
        let (summary, executor) = try ws.runFake()
        #expect(executor.executed == ["summary"])
        #expect(summary.ids(.cached) == ["fit@a", "fit@c"])
    }

    @Test("item values are quoted in run like every placeholder: spaces and shell syntax stay one literal word")
    func itemQuoting() throws {
        let ws = TestWorkspace(yaml: """
        name: q
        stages:
          say:
            foreach: {a: {text: "it's $(rm -rf x) `y` ; z"}}
            run: echo ${each.value.text} "${each.value.text}" > ${outputs.out}
            outputs: {out: "o/${each.key}.txt"}
        """)
        try #require(try ws.runFake().summary.ok)
        let written = ws.directory.read("o/a.txt") ?? ""
        #expect(written.contains(#"command echo 'it'\''s $(rm -rf x) `y` ; z' "it's \$(rm -rf x) \`y\` ; z" > o/a.txt"#))
    }
}
