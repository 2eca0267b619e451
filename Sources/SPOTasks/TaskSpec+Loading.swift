import Foundation

extension TaskSpec {
    /// Reads a task spec from a JSON file.
    ///
    /// - Throws: `TaskError` naming the file and JSON path (see `init(from:)`).
    public static func load(contentsOf url: URL) throws -> TaskSpec {
        try JSONFile.decode(TaskSpec.self, contentsOf: url)
    }

    /// The first `count` problems of `split`; `nil` asks for the whole split: every line
    /// of a JSONL file, or `train_size` / `test_size` generated problems. Relative paths
    /// are resolved against `baseDirectory`.
    ///
    /// - Throws: `TaskError` when a file or config cannot be read or is invalid, when a
    ///   file holds fewer than `count` problems, or see `ArithmeticTask.problems`.
    public func load(split: DatasetSplit, count: Int?, baseDirectory: URL) throws -> [Problem] {
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
        }
        let problems: [Problem]
        let url: URL
        switch source {
        case .arithmetic(let config):
            let task = try ArithmeticTask(contentsOf: resolve(config))
            let size = split == .train ? task.config.trainSize : task.config.testSize
            return try task.problems(split: split, count: count ?? size)
        case .gsm8kJSONL(let train, let test):
            url = resolve(split == .train ? train : test)
            problems = try DatasetLoader.gsm8kJSONL(url: url)
        case .mathJSONL(let train, let test):
            url = resolve(split == .train ? train : test)
            problems = try DatasetLoader.mathJSONL(url: url)
        }
        guard let count else { return problems }
        guard count >= 0, count <= problems.count else {
            throw TaskError(
                source: url.path, location: "", value: "\(count)",
                problem: "\(count) \(split.rawValue) problems asked for, but the file holds "
                    + "\(problems.count); ask for at most that many, or for all (no count)")
        }
        return Array(problems.prefix(count))
    }
}
