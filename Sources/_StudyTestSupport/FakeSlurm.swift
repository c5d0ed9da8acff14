#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine

/// SLURM's client tools as small shell scripts in a temp directory, driven by files, so the SLURM
/// executor is tested without a cluster. `sbatch` records its arguments, hands out ids 1, 2, …
/// and runs the job script in the background (its output appended to `--output`) as a one-node
/// cluster would; `squeue` lists the jobs still queued or running; `scancel` removes them; `sinfo`
/// prints the CPUs of one node.
///
/// Modes (create the file to switch on): `reject` (sbatch fails, printing the file's text),
/// `states` (extra `ID STATE` lines squeue prints, for finished jobs the controller remembers),
/// `unreachable` (a count: sbatch fails that many more times as with a restarting controller),
/// `hold` (jobs stay queued and never run), `lose` (jobs vanish at once, never running), `down`
/// (squeue and sinfo fail as with a dead controller); `cpus` holds sinfo's CPU count (default 2),
/// `maxarray` scontrol's MaxArraySize (default 1001), `accounting` what sacct prints (without it,
/// sacct says accounting is disabled), `memory-needed` (megabytes) and `time-needed` (minutes): a job
/// asking less is killed as this machine's SLURM kills it (slurmstepd's notice in its output; squeue
/// shows it `FAILED` or `TIMEOUT`; no status file). `sbatch --array=0-N%T` queues tasks `ID_0` …
/// `ID_N` and runs them one after another with `SLURM_ARRAY_TASK_ID` set (and `SLURM_JOB_ID`
/// `ID * 1000 + N`, as SLURM gives each task an id of its own). squeue prints `ID|CONTENTS` for each
/// file in `queue/` (write `PENDING|ReqNodeNotAvail` there for a reason); asked for `%k`, it prints
/// `ID|COMMENT` for every job submitted with `--comment` (as `--states=all` remembers ended jobs).
public final class FakeSlurm: @unchecked Sendable {
    /// The directory holding the tools; put it first on `PATH`.
    public let directory = TemporaryDirectory(prefix: "studyflow-fake-slurm")

    /// Writes the tools.
    public init() {
        for (name, text) in Self.tools {
            directory.write(name, text + "\n")
            chmod(directory.path + "/" + name, 0o755)
        }
    }

    /// Each tool's script by name.
    private static let tools = [
            "sbatch": """
            #!/bin/sh
            d=$(dirname "$0")
            printf '%s\\n' "$*" >> "$d/sbatch.calls"
            if [ -f "$d/reject" ]; then cat "$d/reject" >&2; exit 1; fi
            n=$(cat "$d/unreachable" 2>/dev/null || echo 0)
            if [ "${n:-0}" -gt 0 ]; then
                echo $((n - 1)) > "$d/unreachable"
                echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)" >&2; exit 1
            fi
            id=$( { flock 9; n=$(cat "$d/counter" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$d/counter"; echo "$n"; } 9>"$d/counter.lock")
            out=/dev/null; dir=.; array=""
            for a in "$@"; do
                case "$a" in --output=*) out=${a#--output=} ;; --chdir=*) dir=${a#--chdir=} ;; --array=*) array=${a#--array=} ;;
                    --comment=*) echo "$id|${a#--comment=}" >> "$d/comments" ;; esac
                script=$a
            done
            out=$(printf '%s' "$out" | sed 's/%%/%/g')
            # memory-needed / time-needed: a job asking less (--mem in MB, --time in minutes) is killed
            # as slurmstepd kills it, before it writes a status: a notice in its output, a final state.
            mem=$(printf '%s\\n' "$@" | sed -n 's/^--mem=\\([0-9]*\\)M$/\\1/p')
            limit=$(printf '%s\\n' "$@" | sed -n 's/^--time=\\([0-9]*\\)$/\\1/p')
            kill=""
            if [ -f "$d/memory-needed" ] && [ "${mem:-0}" -lt "$(cat "$d/memory-needed")" ]; then kill=FAILED; fi
            if [ -f "$d/time-needed" ] && [ "${limit:-0}" -lt "$(cat "$d/time-needed")" ]; then kill=TIMEOUT; fi
            killed() {
                if [ "$kill" = TIMEOUT ]; then echo "slurmstepd-fake: error: *** JOB $1 ON fake CANCELLED AT 2026-01-01T00:00:00 DUE TO TIME LIMIT ***"
                else echo "slurmstepd-fake: error: StepId=$1.batch exceeded memory limit (104857600 > 52428800), being killed"; fi
            }
            mkdir -p "$d/queue"
            if [ -n "$array" ]; then
                # --array=0-N%T: tasks ID_0 … ID_N, run one after another (a throttle of 1).
                last=${array#*-}; last=${last%%%*}
                tasks=$(seq 0 "$last")
            else
                tasks=""
            fi
            if [ -f "$d/lose" ]; then :
            elif [ -f "$d/hold" ]; then
                if [ -n "$array" ]; then for t in $tasks; do echo PENDING > "$d/queue/${id}_$t"; done
                else echo PENDING > "$d/queue/$id"; fi
            elif [ -n "$array" ]; then
                for t in $tasks; do echo PENDING > "$d/queue/${id}_$t"; done
                ( cd "$dir" && for t in $tasks; do
                    [ -e "$d/queue/${id}_$t" ] || continue
                    echo RUNNING > "$d/queue/${id}_$t"
                    export SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$t SLURM_JOB_ID=$((id * 1000 + t))
                    if [ -n "$kill" ]; then
                        # Killed after the wrapper's first lines, before the instance's job script ran.
                        sed '/^exec /d' "$script" | sh >> "$out" 2>&1
                        killed "$SLURM_JOB_ID" >> "$out"; echo "${id}_$t $kill" >> "$d/states"
                    else
                        sh "$script" >> "$out" 2>&1
                    fi
                    rm -f "$d/queue/${id}_$t"
                  done ) < /dev/null > /dev/null 2>&1 &
            else
                echo RUNNING > "$d/queue/$id"
                ( cd "$dir" && if [ -n "$kill" ]; then killed "$id" >> "$out"; echo "$id $kill" >> "$d/states"
                  else sh "$script" >> "$out" 2>&1; fi; rm -f "$d/queue/$id" ) < /dev/null > /dev/null 2>&1 &
            fi
            echo "$id"
            """,
            "squeue": """
            #!/bin/sh
            d=$(dirname "$0")
            echo "$*" >> "$d/squeue.calls"
            if [ -f "$d/down" ]; then echo "squeue: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi
            case "$*" in *%k*) cat "$d/comments" 2>/dev/null; exit 0 ;; esac
            for f in "$d"/queue/*; do [ -e "$f" ] && echo "${f##*/}|$(cat "$f")"; done
            if [ -f "$d/states" ]; then cat "$d/states"; fi
            exit 0
            """,
            "scancel": """
            #!/bin/sh
            d=$(dirname "$0")
            echo "$*" >> "$d/scancel.calls"
            for id in "$@"; do rm -f "$d/queue/$id" "$d/queue/$id"_*; done
            """,
            "scontrol": """
            #!/bin/sh
            d=$(dirname "$0")
            echo "$*" >> "$d/scontrol.calls"
            echo "MaxArraySize            = $(cat "$d/maxarray" 2>/dev/null || echo 1001)"
            """,
            "sacct": """
            #!/bin/sh
            d=$(dirname "$0")
            echo "$*" >> "$d/sacct.calls"
            if [ -f "$d/accounting" ]; then cat "$d/accounting"; exit 0; fi
            echo "Slurm accounting storage is disabled" >&2; exit 1
            """,
            "sinfo": """
            #!/bin/sh
            d=$(dirname "$0")
            echo "$*" >> "$d/sinfo.calls"
            if [ -f "$d/down" ]; then echo "sinfo: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi
            cat "$d/cpus" 2>/dev/null || echo 2
            """,
    ]

    /// The tools' directory, for `SlurmSettings.searchPath` or the front of `PATH`.
    public var path: String { directory.path }

    /// Switches a mode on (`reject`, `hold`, `lose`, `down`) with `text` as the file's contents.
    public func set(_ mode: String, _ text: String = "") { directory.write(mode, text) }

    /// Switches a mode off.
    public func clear(_ mode: String) { directory.delete(mode) }

    /// Each call of `tool` so far: its arguments joined by spaces.
    public func calls(_ tool: String) -> [String] {
        (directory.read(tool + ".calls") ?? "").split(separator: "\n").map(String.init)
    }

    /// Ids of jobs queued or running.
    public var queued: [String] { ((try? FileIO.listDirectory(path + "/queue")) ?? []).sorted() }

    /// Settings that find these tools, poll fast and give up on a vanished job quickly; job arrays
    /// run `throttle` tasks at once.
    public func settings(partition: String? = nil, account: String? = nil, extra: [String] = [],
                         binary: String = "/bin/false", throttle: Int = 2) -> SlurmSettings {
        var settings = SlurmSettings(partition: partition, account: account, extraArguments: extra, pollInterval: 0.05, lostGrace: 0.3,
                                     studyflowBinary: binary, searchPath: path)
        settings.arrayThrottle = throttle
        return settings
    }
}
