import Foundation

/// Where the run's log lines go: each line, prefixed with its source (`[generate.0]`,
/// `[driver]`), to standard error (the stages' lines only when `echo` is on), and
/// unprefixed to `<directory>/<source>.log` (`<run>/logs`, or a host supervisor's
/// `<run>/hosts/<host>/logs`). Thread-safe: stage output arrives on
/// Foundation's pipe threads.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private let directory: URL
    private var files: [String: FileHandle] = [:]
    private let echo: Bool
    private let own: String

    /// A sink writing files under `directory`; `echo` also writes the stages' lines to
    /// standard error (those of `own`, the process writing, always go there).
    init(directory: URL, echo: Bool, own: String = "driver") throws {
        self.directory = directory
        self.echo = echo
        self.own = own
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes one line from `source`.
    func write(_ source: String, _ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if echo || source == own { FileHandle.standardError.write(Data("[\(source)] \(line)\n".utf8)) }
        if files[source] == nil {
            let url = directory.appendingPathComponent("\(source).log")
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            files[source] = try? FileHandle(forWritingTo: url)
            _ = try? files[source]?.seekToEnd()
        }
        try? files[source]?.write(contentsOf: Data((line + "\n").utf8))
    }

    /// A pipe whose output is split into lines and written as `source`.
    func pipe(for source: String) -> Pipe {
        let pipe = Pipe()
        let splitter = LineSplitter { [weak self] line in self?.write(source, line) }
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                splitter.finish()
            } else {
                splitter.append(data)
            }
        }
        return pipe
    }
}

/// Cuts a byte stream into lines (a partial last line is kept until more arrives).
final class LineSplitter: @unchecked Sendable {
    private var buffer = Data()
    private let emit: (String) -> Void
    private let lock = NSLock()

    init(emit: @escaping (String) -> Void) { self.emit = emit }

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            emit(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer.removeSubrange(buffer.startIndex...newline)
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !buffer.isEmpty { emit(String(decoding: buffer, as: UTF8.self)) }
        buffer.removeAll()
    }
}
