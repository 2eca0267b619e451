/// An `ArithmeticTemplate` with its sentences parsed and only the parts the configuration
/// allows: step sentences of allowed operations, and the product opening only when
/// `multiply` is allowed.
struct CompiledTemplate: Sendable {
    let opening: SentencePattern
    let productOpening: SentencePattern?
    let steps: [ArithmeticOperation: [SentencePattern]]
    let question: SentencePattern

    /// Parses `template`, found at JSON path `location` of `source`.
    ///
    /// - Throws: `TaskError` for a sentence with an unknown, missing or repeated
    ///   placeholder, unbalanced braces, or an operation with an empty sentence list.
    init(_ template: ArithmeticTemplate, at location: String, config: ArithmeticTaskConfig, source: String) throws {
        opening = try SentencePattern(
            template.opening, allowed: ["name", "a"], once: ["a"],
            location: "\(location).opening", source: source)
        let product = try template.productOpening.map {
            try SentencePattern(
                $0, allowed: ["name", "a", "b"], once: ["a", "b"],
                location: "\(location).product_opening", source: source)
        }
        productOpening = config.operations.contains(.multiply) ? product : nil
        var steps: [ArithmeticOperation: [SentencePattern]] = [:]
        for (operation, sentences) in template.steps {
            let stepsLocation = "\(location).steps.\(operation.rawValue)"
            guard !sentences.isEmpty else {
                throw TaskError(
                    source: source, location: stepsLocation, value: "[]",
                    problem: "list at least one sentence, or remove the key")
            }
            let parsed = try sentences.enumerated().map { index, sentence in
                try SentencePattern(
                    sentence, allowed: ["name", "n"], once: ["n"],
                    location: "\(stepsLocation)[\(index)]", source: source)
            }
            if config.operations.contains(operation) { steps[operation] = parsed }
        }
        self.steps = steps
        question = try SentencePattern(
            template.question, allowed: ["name"], once: [],
            location: "\(location).question", source: source)
    }

    /// Whether a problem of `minSteps` or more steps can be told with this template.
    func isUsable(minSteps: Int) -> Bool {
        !steps.isEmpty || (productOpening != nil && minSteps == 1)
    }
}
