import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe replacement of a file or a directory.
///
/// After `write` or `writeDirectory` returns, the destination holds the new contents and
/// that state survives a power loss; if the process dies earlier, the destination holds
/// the old contents (or does not exist if it never did), never a mix.
///
/// Protocol for a file (POSIX; the classic write-temp, fsync, rename, fsync-dir sequence):
/// 1. create `.<name>.tmp.<UUID>` in the destination's directory (same file system, so
///    `rename(2)` is atomic) with `O_CREAT | O_EXCL`;
/// 2. write every byte and `fsync(2)` the file;
/// 3. `rename(2)` it over the destination;
/// 4. `fsync(2)` the directory so the rename itself is durable.
/// A failure at any step removes the temporary file and throws an `AtomicFileError`.
public enum AtomicFile {
    /// Atomically replaces the file at `url` with `data` (see the type's protocol).
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { writer in try writer.write(data) }
    }

    /// Atomically replaces the file at `url` with the bytes `produce` hands to the writer,
    /// in order. Lets a caller stream large buffers (a 540 MB checkpoint) straight from
    /// their storage instead of first concatenating them into one `Data`.
    public static func write(to url: URL, _ produce: (Writer) throws -> Void) throws {
        let destination = url.path
        let temporary = temporarySibling(of: url, tag: "tmp")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AtomicFileError(operation: "create temporary file", path: temporary)
        }
        do {
            try produce(Writer(descriptor: descriptor, path: temporary))
            guard fsync(descriptor) == 0 else {
                throw AtomicFileError(operation: "fsync", path: temporary)
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard close(descriptor) == 0 else {
            let failure = AtomicFileError(operation: "close", path: temporary)
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, destination) == 0 else {
            let failure = AtomicFileError(
                operation: "rename '\(temporary)' over", path: destination)
            unlink(temporary)
            throw failure
        }
        try syncDirectory(url.deletingLastPathComponent().path)
    }

    /// Atomically replaces the directory at `url` with one that `fill` populates.
    ///
    /// `fill` receives a fresh, empty sibling directory `.<name>.tmp.<UUID>` and writes
    /// its files there. Every regular file and directory under it is then fsynced, and
    /// it takes `url`'s place: if `url` exists it is renamed to `.<name>.old.<UUID>`,
    /// the new directory is renamed to `url`, the parent is fsynced, and the old one is
    /// removed. A crash between the two renames leaves `url` missing but both the old
    /// and the new tree intact under their sibling names.
    /// If `fill` throws, the temporary directory is removed and `url` is untouched.
    public static func writeDirectory(at url: URL, _ fill: (URL) throws -> Void) throws {
        let destination = url.standardizedFileURL.path
        let parent = url.standardizedFileURL.deletingLastPathComponent().path
        let temporary = temporarySibling(of: url, tag: "tmp")
        guard mkdir(temporary, 0o755) == 0 else {
            throw AtomicFileError(operation: "create temporary directory", path: temporary)
        }
        do {
            try fill(URL(fileURLWithPath: temporary, isDirectory: true))
            try syncTree(temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        var status = stat()
        let old: String? = lstat(destination, &status) == 0
            ? temporarySibling(of: url, tag: "old") : nil
        if let old {
            guard rename(destination, old) == 0 else {
                let failure = AtomicFileError(
                    operation: "move existing directory aside to '\(old)' from", path: destination)
                try? FileManager.default.removeItem(atPath: temporary)
                throw failure
            }
        }
        guard rename(temporary, destination) == 0 else {
            let failure = AtomicFileError(
                operation: "rename '\(temporary)' to", path: destination)
            if let old { rename(old, destination) }
            try? FileManager.default.removeItem(atPath: temporary)
            throw failure
        }
        try syncDirectory(parent)
        if let old {
            do {
                try FileManager.default.removeItem(atPath: old)
            } catch {
                throw AtomicFileError(
                    operation: "remove replaced directory", path: old,
                    reason: "\(error)")
            }
        }
    }

    /// Appends bytes to the temporary file of one `AtomicFile.write(to:_:)` call.
    /// Valid only inside that call's closure.
    public struct Writer {
        let descriptor: Int32
        let path: String

        /// Appends all of `bytes`, retrying short writes and `EINTR`.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard var cursor = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let written = systemWrite(descriptor, cursor, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError(operation: "write \(remaining) bytes to", path: path)
                }
                cursor += written
                remaining -= written
            }
        }

        /// Appends all bytes of `data`.
        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }
    }

    /// `.<name>.<tag>.<UUID>` next to `url`; the UUID makes concurrent writers distinct.
    static func temporarySibling(of url: URL, tag: String) -> String {
        let standardized = url.standardizedFileURL
        let name = ".\(standardized.lastPathComponent).\(tag).\(UUID().uuidString)"
        return standardized.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// `fsync(2)` on a directory, making renames and creations inside it durable.
    static func syncDirectory(_ path: String) throws {
        try syncPath(path, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    /// fsyncs every regular file and directory under `path`, children before parents.
    static func syncTree(_ path: String) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw AtomicFileError(operation: "list", path: path, reason: "\(error)")
        }
        for name in names {
            let child = path + "/" + name
            var status = stat()
            guard lstat(child, &status) == 0 else {
                throw AtomicFileError(operation: "lstat", path: child)
            }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: try syncTree(child)
            case S_IFREG: try syncPath(child, flags: O_RDONLY | O_CLOEXEC)
            default: continue
            }
        }
        try syncDirectory(path)
    }

    private static func syncPath(_ path: String, flags: Int32) throws {
        let descriptor = open(path, flags)
        guard descriptor >= 0 else { throw AtomicFileError(operation: "open", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw AtomicFileError(operation: "fsync", path: path) }
    }
}

/// `write(2)`, named apart from `AtomicFile.Writer.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// A failed system call during an atomic write: which step, on which path, and why
/// (the `strerror` text of `errno`, or the underlying Foundation error).
public struct AtomicFileError: Error, CustomStringConvertible {
    /// The step that failed, e.g. "fsync" or "rename '/x/.a.tmp.…' over".
    public let operation: String
    /// The file or directory the step acted on.
    public let path: String
    /// `strerror(errno)` with the errno number, or a Foundation error's text.
    public let reason: String

    /// Captures the current `errno`; call right after the failing system call.
    init(operation: String, path: String) {
        let code = errno
        self.init(
            operation: operation, path: path,
            reason: "\(String(cString: strerror(code))) (errno \(code))")
    }

    init(operation: String, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// "<operation> '<path>' failed: <reason>".
    public var description: String { "\(operation) '\(path)' failed: \(reason)" }
}
