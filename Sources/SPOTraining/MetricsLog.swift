import Foundation

/// Appends metrics as JSON lines (one object per line, keys sorted) to a file.
///
/// Each line is written with one `write` call and flushed, so a killed process leaves whole
/// lines only (at most the last one missing).
public final class MetricsLog: @unchecked Sendable {
    private let handle: FileHandle
    public let url: URL

    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path),
           !FileManager.default.createFile(atPath: url.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Writes one record; values must be JSON-serialisable (numbers, strings, bools, arrays, maps).
    public func write(_ record: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }

    /// Keeps only the records whose integer field `key` is ≤ `limit` (used when resuming from a
    /// checkpoint, so metrics of steps after it are not duplicated).
    public static func truncate(url: URL, keepingWhere key: String, atMost limit: Int) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let value = (object[key] as? NSNumber)?.intValue else { return false }
            return value <= limit
        }
        let joined = kept.map { $0 + "\n" }.joined()
        try Data(joined.utf8).write(to: url, options: .atomic)
    }
}
