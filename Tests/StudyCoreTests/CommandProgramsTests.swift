import StudyCore
import Testing

/// The programs `run` calls, as `CommandPrograms` finds them.
private func programs(_ run: String) -> [CommandProgram] {
    CommandPrograms.of(CommandTemplate(run))
}

@Suite("CommandPrograms")
struct CommandProgramsTests {
    @Test("every command of a pipeline and of && / || / ; lists is found, once, in order")
    func pipelinesAndLists() {
        #expect(programs("sort data/x | uniq -c | awk '{print $1}' > out") == [.name("sort"), .name("uniq"), .name("awk")])
        #expect(programs("python3 a.py && Rscript b.R || gzip -9 c; tar cf d e") ==
            [.name("python3"), .name("Rscript"), .name("gzip"), .name("tar")])
        #expect(programs("cat a | cat b && cat c") == [.name("cat")])
    }

    @Test("subshells, groups, $(…) and control structures are followed")
    func nesting() {
        #expect(programs("(cd sub && make) ; { gzip x; }") == [.name("make"), .name("gzip")])
        #expect(programs("python3 $(which_one --x) > ${outputs.out}") == [.name("python3"), .name("which_one")])
        #expect(programs("if grep -q x f; then sed -i s/a/b/ f; else awk 1 f; fi") == [.name("grep"), .name("sed"), .name("awk")])
        #expect(programs("for f in a b; do wc -l $f; done") == [.name("wc")])
        #expect(programs("while read line; do md5sum \"$line\"; done < list") == [.name("md5sum")])
    }

    @Test("assignments before a command and the wrappers env, exec, command, nice, nohup, time, timeout, xargs reach the program")
    func wrappers() {
        #expect(programs("LC_ALL=C TZ=UTC sort x") == [.name("sort")])
        #expect(programs("env -i LANG=C PATH=/usr/bin python3 a.py") == [.name("env"), .name("python3")])
        #expect(programs("env -u HOME Rscript b.R") == [.name("env"), .name("Rscript")])
        #expect(programs("exec python3 a.py") == [.name("python3")])
        #expect(programs("command -p awk 1 f") == [.name("awk")])
        #expect(programs("nice -n 5 gzip x") == [.name("nice"), .name("gzip")])
        #expect(programs("timeout -s KILL 30s python3 a.py") == [.name("timeout"), .name("python3")])
        #expect(programs("find . -name '*.csv' | xargs -n 1 -P 2 gzip") == [.name("find"), .name("xargs"), .name("gzip")])
        #expect(programs("nohup time -p Rscript x.R") == [.name("nohup"), .name("time"), .name("Rscript")])
    }

    @Test("`command -v` only asks where a program is: nothing runs")
    func commandV() {
        #expect(programs("command -v python3 > /dev/null || exit 1") == [])
    }

    @Test("shell builtins and keywords are skipped")
    func builtins() {
        #expect(programs("cd sub; echo hi; printf '%s' x; test -f a; [ -d b ]; export X=1; set -e; : ; true; exit 0") == [])
        #expect(programs("! grep -q x f") == [.name("grep")])
        #expect(programs(". ./env.sh; source lib.sh; python3 a.py") == [.name("python3")])
    }

    @Test("quoted and escaped words are unquoted; words with expansions cannot be resolved and give nothing")
    func quoting() {
        #expect(programs("'python3' a.py") == [.name("python3")])
        #expect(programs("\"Rscript\" b.R; py\\thon3 c.py") == [.name("Rscript"), .name("python3")])
        #expect(programs("$PYTHON a.py; ${R:-Rscript} b.R; \"$X\" c; `which p` d; py* e; ~/bin/x f") == [])
        #expect(programs("python3 -c 'import os; os.system(\"rm -rf x\")'") == [.name("python3")])
    }

    @Test("a placeholder in command position is not resolved; placeholders as arguments do not hide the program")
    func placeholders() {
        #expect(programs("${inputs.script} --in ${inputs.raw}") == [])
        #expect(programs("${params.tool}x a") == [])
        #expect(programs("python3 ${inputs.script} ${params.n} | gzip > ${outputs.out}") == [.name("python3"), .name("gzip")])
    }

    @Test("a path is taken as written: absolute paths as tools, relative ones as workspace scripts")
    func paths() {
        #expect(programs("/usr/bin/python3 a.py") == [.path("/usr/bin/python3")])
        #expect(programs("./run.sh x && scripts/fit.py y") == [.script("./run.sh"), .script("scripts/fit.py")])
    }

    @Test("here-document bodies and comments are not commands")
    func hereDocuments() {
        #expect(programs("cat <<EOF > out\nrm -rf x\nEOF\ngzip out # tar x") == [.name("cat"), .name("gzip")])
    }
}
