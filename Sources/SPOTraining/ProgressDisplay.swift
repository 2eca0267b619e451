import Foundation

/// Progress of a long job: a redrawn bar on a terminal, plain periodic lines otherwise
/// (logs, CI). Writes to standard error so standard output stays for results.
public final class ProgressDisplay: @unchecked Sendable {
    public let total: Int
    public let label: String
    private let isTerminal: Bool
    private let start = Date()
    private var lastLine = Date.distantPast
    /// Seconds between plain lines when not on a terminal.
    public var plainInterval: TimeInterval = 10

    public init(total: Int, label: String) {
        self.total = total
        self.label = label
        isTerminal = isatty(STDERR_FILENO) == 1
    }

    /// Reports `done` of `total` with extra fields (e.g. "loss 1.23").
    public func update(_ done: Int, _ fields: String) {
        let elapsed = Date().timeIntervalSince(start)
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if isTerminal {
            let width = 24, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            emit("\r\u{1B}[K\(label) \(bar) \(done)/\(total) \(fields) [\(Self.clock(elapsed)) < \(Self.clock(remaining))]")
        } else if Date().timeIntervalSince(lastLine) >= plainInterval || done == total {
            lastLine = Date()
            emit("\(label) \(done)/\(total) \(fields) elapsed \(Self.clock(elapsed)) remaining \(Self.clock(remaining))\n")
        }
    }

    /// Ends the bar's line on a terminal.
    public func finish() { if isTerminal { emit("\n") } }

    private func emit(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
