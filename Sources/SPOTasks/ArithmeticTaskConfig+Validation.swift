import Foundation

extension ArithmeticTaskConfig {
    /// Reads and validates a configuration file such as `configs/tasks/arithmetic.json`.
    ///
    /// - Throws: `TaskError` naming the file, the JSON path and the value when the file
    ///   cannot be read, is not valid JSON, or breaks a rule of `validate(source:)`.
    public static func load(contentsOf url: URL) throws -> ArithmeticTaskConfig {
        let config = try JSONFile.decode(ArithmeticTaskConfig.self, contentsOf: url)
        try config.validate(source: url.path)
        return config
    }

    /// Checks the numeric rules; `ArithmeticTask.init` checks the template sentences.
    ///
    ///     1 <= train_size,  1 <= test_size
    ///     1 <= min_steps <= max_steps
    ///     1 <= start_range.min <= start_range.max <= max_value
    ///     operations: non-empty, no repeats, each with operand_ranges[op],
    ///                 and 1 <= min <= max for every range given
    ///     names: non-empty, no name empty or containing "{" or "}"
    ///     templates: non-empty
    ///
    /// - Throws: `TaskError` with `source`, the JSON path and the value seen.
    public func validate(source: String) throws {
        func fail(_ location: String, _ value: Any, _ problem: String) -> TaskError {
            TaskError(source: source, location: location, value: "\(value)", problem: problem)
        }
        guard trainSize >= 1 else { throw fail("train_size", trainSize, "must be at least 1") }
        guard testSize >= 1 else { throw fail("test_size", testSize, "must be at least 1") }
        guard minSteps >= 1 else { throw fail("min_steps", minSteps, "must be at least 1") }
        guard maxSteps >= minSteps else {
            throw fail("max_steps", maxSteps, "must be at least min_steps (\(minSteps))")
        }
        try validate(startRange, at: "start_range", source: source)
        guard startRange.max <= maxValue else {
            throw fail("start_range.max", startRange.max, "must be at most max_value (\(maxValue))")
        }
        guard !operations.isEmpty else {
            throw fail("operations", "[]", "list at least one of \(ArithmeticOperation.validNames)")
        }
        for (index, operation) in operations.enumerated() {
            guard operations.firstIndex(of: operation) == index else {
                throw fail("operations[\(index)]", "\"\(operation.rawValue)\"", "is listed twice")
            }
            guard operandRanges[operation] != nil else {
                throw fail(
                    "operand_ranges.\(operation.rawValue)", "", "is missing; give {\"min\": m, \"max\": n}")
            }
        }
        for operation in ArithmeticOperation.allCases {
            if let range = operandRanges[operation] {
                try validate(range, at: "operand_ranges.\(operation.rawValue)", source: source)
            }
        }
        guard !names.isEmpty else { throw fail("names", "[]", "list at least one name") }
        for (index, name) in names.enumerated()
        where name.isEmpty || name.contains("{") || name.contains("}") {
            throw fail("names[\(index)]", "\"\(name)\"", "a name must be non-empty and have no braces")
        }
        guard !templates.isEmpty else { throw fail("templates", "[]", "list at least one template") }
    }

    private func validate(_ range: OperandRange, at location: String, source: String) throws {
        guard range.min >= 1 else {
            throw TaskError(
                source: source, location: "\(location).min", value: "\(range.min)",
                problem: "must be at least 1")
        }
        guard range.max >= range.min else {
            throw TaskError(
                source: source, location: "\(location).max", value: "\(range.max)",
                problem: "must be at least min (\(range.min))")
        }
    }
}
