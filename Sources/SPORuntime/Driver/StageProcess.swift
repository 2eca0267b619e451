import Foundation
import SPOPipelineSpec

/// One stage replica as a child process of the driver: `spo-<stage>` or the stage's
/// `command`, started with `--spec RESOLVED --replica N` appended and
/// `OPENBLAS_NUM_THREADS`, its standard output and error merged into the run's log,
/// restarted by the driver when it dies.
final class StageProcess {
    let stage: PipelineStage
    let replica: Int
    let executable: URL
    /// Arguments before `--spec …` (from the stage's `command`).
    let leadingArguments: [String]
    let specPath: String
    let blasThreads: Int
    private(set) var process: Process?
    /// Restarts so far.
    var restarts = 0

    /// `<stage>.<replica>`, the log prefix.
    var name: String { "\(stage.rawValue).\(replica)" }

    init(
        stage: PipelineStage, replica: Int, executable: URL, leadingArguments: [String] = [], specPath: String,
        blasThreads: Int
    ) {
        self.stage = stage
        self.replica = replica
        self.executable = executable
        self.leadingArguments = leadingArguments
        self.specPath = specPath
        self.blasThreads = blasThreads
    }

    /// Starts (or restarts) the process.
    func start(logs: LogSink) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = leadingArguments + ["--spec", specPath, "--replica", String(replica)]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = String(blasThreads)
        process.environment = environment
        process.standardOutput = logs.pipe(for: name)
        process.standardError = logs.pipe(for: name)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw RuntimeError("cannot start \(executable.path) for \(name): \(error.localizedDescription); build the stage executables (`swift build`) or pass --stage-directory")
        }
        self.process = process
    }

    /// The processes of every replica of `stage`: `spo-<stage>` from `stageDirectory`,
    /// or the stage's `command` from the spec; throws when the program is not there.
    static func replicas(
        of stage: PipelineStage, spec: ResolvedPipelineSpec, specPath: String, stageDirectory: URL
    ) throws -> [StageProcess] {
        let settings = spec.settings(for: stage)
        let executable: URL
        if let command = settings.command {
            guard let program = locate(command[0]) else {
                throw RuntimeError(
                    "stages.\(stage.rawValue).command: no executable \(command[0]) "
                        + (command[0].contains("/") ? "(relative to \(FileManager.default.currentDirectoryPath))" : "in PATH"))
            }
            executable = program
        } else {
            executable = stageDirectory.appendingPathComponent("spo-\(stage.rawValue)")
            guard FileManager.default.isExecutableFile(atPath: executable.path) else {
                throw RuntimeError("no stage executable at \(executable.path); build the package (`swift build`) or pass --stage-directory")
            }
        }
        return (0..<settings.replicas).map { replica in
            StageProcess(
                stage: stage, replica: replica, executable: executable,
                leadingArguments: Array((settings.command ?? []).dropFirst()), specPath: specPath,
                blasThreads: settings.blasThreads)
        }
    }

    /// Ends what is left of `processes`: SIGTERM, then after `grace` SIGKILL, waiting up
    /// to `grace` after each; `log` names the signal and the processes.
    static func terminate(_ processes: [StageProcess], grace: Duration, log: (String) -> Void) {
        for signal in [SIGTERM, SIGKILL] where processes.contains(where: \.isRunning) {
            let running = processes.filter(\.isRunning)
            log("sending signal \(signal) to " + running.map(\.name).joined(separator: ", "))
            running.forEach { $0.send(signal) }
            let deadline = ContinuousClock.now + grace
            while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// The program of a stage `command`: a path when it contains `/` (relative to the
    /// working directory), else the first executable of that name in `PATH`.
    static func locate(_ program: String) -> URL? {
        if program.contains("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? URL(fileURLWithPath: program) : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").lazy
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(program) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Whether the process is alive.
    var isRunning: Bool { process?.isRunning ?? false }

    /// "exit status 1" or "signal 9", once it has exited.
    var exitDescription: String {
        guard let process, !process.isRunning else { return "running" }
        switch process.terminationReason {
        case .exit: return "exit status \(process.terminationStatus)"
        case .uncaughtSignal: return "signal \(process.terminationStatus)"
        @unknown default: return "status \(process.terminationStatus)"
        }
    }

    /// Whether it exited with status 0.
    var exitedCleanly: Bool {
        guard let process, !process.isRunning else { return false }
        return process.terminationReason == .exit && process.terminationStatus == 0
    }

    /// Sends `signal` if it is alive.
    func send(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }
}
