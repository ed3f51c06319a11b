using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>
/// Every diagnostic GraphDsl reports, with a stable id. Ranges: 01xx lexing and parsing, 02xx names
/// and imports, 03xx types and shapes, 04xx IR verifier and IR text, 05xx pass pipelines, 06xx cost
/// model, 07xx execution backends, 08xx command line, 09xx source generator.
/// An id is never reused: retired ids stay here as comments. Keep docs/diagnostics.md in sync
/// (a test compares them).
/// </summary>
public static class DiagnosticCatalog
{
    // ---- 01xx: lexing and parsing -------------------------------------------------------------
    public static DiagnosticDescriptor SyntaxError { get; } = new("GD0101", "Syntax error", "{0}");
    public static DiagnosticDescriptor UnexpectedCharacter { get; } = new("GD0102", "Unexpected character", "unexpected character '{0}'");
    public static DiagnosticDescriptor UnterminatedString { get; } = new("GD0103", "Unterminated string", "unterminated string literal");
    public static DiagnosticDescriptor NumberOverflow { get; } = new("GD0104", "Number out of range", "number '{0}' does not fit in a 64-bit integer");
    public static DiagnosticDescriptor NestingTooDeep { get; } = new("GD0105", "Nesting too deep", "{0} nested deeper than {1} levels");
    public static DiagnosticDescriptor InvalidFloat { get; } = new("GD0106", "Invalid number", "'{0}' is not a valid number");
    public static DiagnosticDescriptor FileTooLarge { get; } = new("GD0107", "File too large", "source file '{0}' is {1} bytes; the limit is {2}");
    public static DiagnosticDescriptor ExpressionTooLong { get; } = new("GD0108", "Expression too long", "expression chains more than {0} binary operators");

    // ---- 02xx: names, declarations and imports -------------------------------------------------
    public static DiagnosticDescriptor UnknownName { get; } = new("GD0201", "Unknown name", "unknown name '{0}'{1}");
    public static DiagnosticDescriptor DuplicateDefinition { get; } = new("GD0202", "Duplicate definition", "'{0}' is already defined in this scope");
    public static DiagnosticDescriptor UnknownBlock { get; } = new("GD0203", "Unknown block or op", "unknown block or op '{0}'{1}");
    public static DiagnosticDescriptor UnknownArgument { get; } = new("GD0204", "Unknown argument", "'{0}' has no parameter named '{1}'{2}");
    public static DiagnosticDescriptor MissingArgument { get; } = new("GD0205", "Missing argument", "call to '{0}' is missing argument '{1}'");
    public static DiagnosticDescriptor TooManyArguments { get; } = new("GD0206", "Too many arguments", "'{0}' takes {1} positional argument(s) but {2} were given");
    public static DiagnosticDescriptor ImportNotFound { get; } = new("GD0207", "Import not found", "cannot find import '{0}': {1}");
    public static DiagnosticDescriptor ImportCycle { get; } = new("GD0208", "Import cycle", "import cycle: {0}");
    public static DiagnosticDescriptor UnknownDType { get; } = new("GD0209", "Unknown dtype", "unknown dtype '{0}'{1}");
    public static DiagnosticDescriptor DuplicateArgument { get; } = new("GD0210", "Duplicate argument", "argument '{0}' is given more than once");
    public static DiagnosticDescriptor NoModel { get; } = new("GD0211", "No model", "'{0}' defines no model");
    public static DiagnosticDescriptor RecursiveBlock { get; } = new("GD0212", "Recursive block", "block '{0}' calls itself (through {1})");
    public static DiagnosticDescriptor AssignToUndeclared { get; } = new("GD0213", "Assignment to undeclared name", "cannot assign to '{0}': it is not declared (use 'let {0} = ...')");
    public static DiagnosticDescriptor NotAssignable { get; } = new("GD0214", "Not assignable", "cannot assign to '{0}': it is a {1}");
    public static DiagnosticDescriptor MultipleModels { get; } = new("GD0215", "Several models", "'{0}' defines several models ({1}); name one with --model");
    public static DiagnosticDescriptor StatementNotAllowed { get; } = new("GD0216", "Statement not allowed here", "'{0}' is not allowed {1}");
    public static DiagnosticDescriptor MissingReturn { get; } = new("GD0217", "Missing return", "block '{0}' declares a result but has no 'return'");
    public static DiagnosticDescriptor UnusedValue { get; } = new("GD0218", "Unused value", "'{0}' is computed but never used", Severity.Warning);
    public static DiagnosticDescriptor DuplicateWeightName { get; } = new("GD0219", "Duplicate weight name", "weight name '{0}' is used twice in one scope");
    public static DiagnosticDescriptor NoOutput { get; } = new("GD0220", "No output", "model '{0}' has no 'output'");
    public static DiagnosticDescriptor BlockCallsTooDeep { get; } = new("GD0221", "Block calls nested too deep", "block '{0}' is reached through more than {1} nested block calls ({2} -> ...); flatten the chain");
    public static DiagnosticDescriptor ImportRefused { get; } = new("GD0222", "Import refused", "cannot import '{0}': {1}");
    public static DiagnosticDescriptor BadModelPart { get; } = new("GD0223", "Bad model part", "model '{0}' is declared for '{1}', which {2}");

    // ---- 03xx: types, shapes and values --------------------------------------------------------
    public static DiagnosticDescriptor TypeMismatch { get; } = new("GD0301", "Type mismatch", "expected {0}, found {1}");
    public static DiagnosticDescriptor ShapeMismatch { get; } = new("GD0302", "Shape mismatch", "{0}");
    public static DiagnosticDescriptor DTypeMismatch { get; } = new("GD0303", "Dtype mismatch", "{0}");
    public static DiagnosticDescriptor RankMismatch { get; } = new("GD0304", "Rank mismatch", "{0}");
    public static DiagnosticDescriptor NotDivisible { get; } = new("GD0305", "Not divisible", "{0} ({1}) is not divisible by {2} ({3})");
    public static DiagnosticDescriptor NotStatic { get; } = new("GD0306", "Dimension must be static", "{0} must not depend on batch, seq or ctx, but is '{1}'");
    public static DiagnosticDescriptor DivisionByZero { get; } = new("GD0307", "Division by zero", "division by zero in '{0}'");
    public static DiagnosticDescriptor IntegerOverflow { get; } = new("GD0308", "Integer overflow", "'{0}' overflows a 64-bit integer");
    public static DiagnosticDescriptor NonPositiveDim { get; } = new("GD0309", "Non-positive size", "{0} must be positive, but is {1}");
    public static DiagnosticDescriptor InvalidAttribute { get; } = new("GD0310", "Invalid argument value", "{0}");
    public static DiagnosticDescriptor ResultTypeMismatch { get; } = new("GD0311", "Result type mismatch", "block '{0}' declares result {1} but returns {2}");
    public static DiagnosticDescriptor WrongResultCount { get; } = new("GD0312", "Wrong number of results", "'{0}' gives {1} value(s) but {2} name(s) are bound");
    public static DiagnosticDescriptor ConditionNotStatic { get; } = new("GD0313", "Condition must be static", "an 'if' condition must be a compile-time bool, found {0}");
    public static DiagnosticDescriptor RepeatCountInvalid { get; } = new("GD0314", "Invalid repeat count", "repeat count must be a positive static integer, found {0}");
    public static DiagnosticDescriptor CarriedTypeChanged { get; } = new("GD0315", "Loop-carried value changes type", "'{0}' enters the repeat as {1} but leaves an iteration as {2}");
    public static DiagnosticDescriptor TooLarge { get; } = new("GD0316", "Size too large", "{0} has {1} elements; the limit is {2}");
    public static DiagnosticDescriptor ModelTooLarge { get; } = new("GD0317", "Model too large", "model '{0}' expands to {1} ops once every block call is inlined; the limit is {2}");
    public static DiagnosticDescriptor TooManyParameters { get; } = new("GD0318", "Too many parameters", "model '{0}' has {1} parameters once its repeats and calls are counted; the limit is {2}");
    public static DiagnosticDescriptor RepeatTooLong { get; } = new("GD0319", "Repeat runs too often", "this repeat runs its body {0} times per step (nested repeat counts multiplied); the limit is {1}");
    public static DiagnosticDescriptor ExpressionTooLarge { get; } = new("GD0320", "Expression too large", "this expression has {0} terms once constants are substituted; the limit is {1}");
    public static DiagnosticDescriptor StringTooLong { get; } = new("GD0321", "String too long", "this string would be {0} characters long; the limit is {1}");
    public static DiagnosticDescriptor RankTooLarge { get; } = new("GD0322", "Tensor rank too large", "{0} has rank {1}; the limit is {2}");

    // ---- 04xx: IR verifier and IR text ---------------------------------------------------------
    public static DiagnosticDescriptor VerifierError { get; } = new("GD0401", "IR verification failed", "{0}: {1}");
    public static DiagnosticDescriptor IrSyntaxError { get; } = new("GD0402", "IR syntax error", "{0}");
    public static DiagnosticDescriptor IrUnknownOp { get; } = new("GD0403", "Unknown IR op", "unknown op '{0}'{1}");
    public static DiagnosticDescriptor IrUndefinedValue { get; } = new("GD0404", "Undefined IR value", "use of undefined value '%{0}'");
    public static DiagnosticDescriptor IrRedefinedValue { get; } = new("GD0405", "Redefined IR value", "value '%{0}' is defined twice");

    // ---- 05xx: pass pipelines ------------------------------------------------------------------
    public static DiagnosticDescriptor PipelineSyntax { get; } = new("GD0501", "Pipeline syntax error", "{0}");
    public static DiagnosticDescriptor UnknownPass { get; } = new("GD0502", "Unknown pass", "unknown pass '{0}'{1}; available: {2}");
    public static DiagnosticDescriptor UnknownPassOption { get; } = new("GD0503", "Unknown pass option", "pass '{0}' has no option '{1}'; valid options: {2}");
    public static DiagnosticDescriptor InvalidPassOption { get; } = new("GD0504", "Invalid pass option value", "option '{0}' of pass '{1}': {2}");
    public static DiagnosticDescriptor PassFailed { get; } = new("GD0505", "Pass failed", "pass '{0}' failed: {1}");
    public static DiagnosticDescriptor VerifyAfterPassFailed { get; } = new("GD0506", "Verification after pass failed", "IR is invalid after pass '{0}': {1}");
    public static DiagnosticDescriptor ConflictingPassElements { get; } = new("GD0509", "Conflicting pass elements", "{0} and {1} set '{2}' to different values; write the option once");

    // ---- 06xx: cost model ----------------------------------------------------------------------
    public static DiagnosticDescriptor UnknownHardware { get; } = new("GD0601", "Unknown hardware", "unknown hardware '{0}'{1}; known: {2}");
    public static DiagnosticDescriptor DeploymentMismatch { get; } = new("GD0602", "Deployment does not match the cluster", "{0}");
    public static DiagnosticDescriptor InvalidWorkload { get; } = new("GD0603", "Invalid workload", "{0}");
    public static DiagnosticDescriptor HardwareFile { get; } = new("GD0604", "Bad hardware file", "{0}");
    public static DiagnosticDescriptor UnknownProfile { get; } = new("GD0605", "Unknown efficiency profile", "unknown efficiency profile '{0}'; known: {1}");
    public static DiagnosticDescriptor InvalidSweep { get; } = new("GD0606", "Invalid sweep", "{0}");
    public static DiagnosticDescriptor InvalidRoutingStats { get; } = new("GD0607", "Invalid routing statistics", "{0}");
    public static DiagnosticDescriptor PlacementInfeasible { get; } = new("GD0608", "Expert placement infeasible", "{0}");
    public static DiagnosticDescriptor InvalidPlacementFile { get; } = new("GD0609", "Invalid placement file", "{0}");
    public static DiagnosticDescriptor InvalidMeasurements { get; } = new("GD0610", "Invalid measurements", "{0}");
    public static DiagnosticDescriptor PipelineContradictsDeployment { get; } = new("GD0618", "Pipeline contradicts the deployment", "{0} in the pipeline sets {1}={2}, but the deployment has {1}={3}");
    public static DiagnosticDescriptor SweepSkipped { get; } = new("GD0619", "Sweep skipped configurations", "{0}", Severity.Note);
    // 0646-0648: the cluster and devices predict, sweep and compare price (src/Cli/Commands, src/Backends/CostModel).
    public static DiagnosticDescriptor NoNetworkBetweenNodes { get; } = new("GD0646", "Device has no network between nodes",
        "device '{0}' gives no network link, so {1} GPUs as {2} node(s) of {3} could not talk between nodes; give it a 'network' in the hardware file, or --nodes 1 to cost one NVLink domain");
    public static DiagnosticDescriptor DenseCounterpartOfDenseModel { get; } = new("GD0647", "Dense counterpart of a model without experts",
        "--dense-q {1}: {0} has no MoE layer, so it is its own dense counterpart and q would go unused; compare it with another model (compare A.moe B.moe)");
    // 0649-0650: graphdsl calibrate (it reported both under GD0606, sweep's "Invalid sweep").
    public static DiagnosticDescriptor InvalidCalibration { get; } = new("GD0649", "Invalid calibration options", "{0}");
    public static DiagnosticDescriptor CalibrationFailed { get; } = new("GD0650", "Calibration cannot fit the constants", "{0}");
    // 0630-0639: the serving simulator (graphdsl serve).
    public static DiagnosticDescriptor InvalidServingWorkload { get; } = new("GD0630", "Invalid serving workload", "{0}");
    public static DiagnosticDescriptor InvalidScheduler { get; } = new("GD0631", "Invalid scheduler", "{0}");
    public static DiagnosticDescriptor InvalidSlo { get; } = new("GD0632", "Invalid SLO", "{0}");
    public static DiagnosticDescriptor InvalidRequestTrace { get; } = new("GD0633", "Invalid request trace", "{0}");
    public static DiagnosticDescriptor CannotServe { get; } = new("GD0634", "Deployment cannot serve the workload", "{0}");
    public static DiagnosticDescriptor RequestsRejected { get; } = new("GD0635", "Requests rejected", "{0}", Severity.Warning);
    // 0636-0639: the planner (graphdsl plan) and its engine exports.
    public static DiagnosticDescriptor NoPlanCandidate { get; } = new("GD0636", "No deployment can serve the workload", "{0}");
    public static DiagnosticDescriptor NoPlanMeetsSlo { get; } = new("GD0637", "No plan meets the SLO", "{0}", Severity.Warning);
    public static DiagnosticDescriptor CannotExport { get; } = new("GD0638", "Cannot export the plan", "{0}");
    public static DiagnosticDescriptor ExportCheckFailed { get; } = new("GD0639", "Export fails its engine's argument check", "{0}");
    // 0640-0645: disaggregated and co-located serving (graphdsl serve --scheduler disagg{...} | colocated{...}).
    public static DiagnosticDescriptor InvalidInstanceLayout { get; } = new("GD0640", "Invalid instance layout", "{0}");
    public static DiagnosticDescriptor InstanceGpusMismatch { get; } = new("GD0641", "Instances do not add up to the GPUs", "{0}");
    public static DiagnosticDescriptor InvalidPrefillShare { get; } = new("GD0642", "Invalid prefill share", "{0}");
    public static DiagnosticDescriptor InstanceLayoutConflict { get; } = new("GD0643", "Instance layout conflicts with the deployment flags", "{0}");

    // ---- 07xx: execution (reference interpreter, ILGPU backend, weights) ------------------------
    public static DiagnosticDescriptor BadWeightsFile { get; } = new("GD0701", "Bad weights file", "cannot read weights '{0}': {1}");
    public static DiagnosticDescriptor WeightsMismatch { get; } = new("GD0702", "Weights do not match the model", "weights '{0}' do not fit model '{1}': {2}");
    public static DiagnosticDescriptor ExecutionUnsupported { get; } = new("GD0703", "Not supported by the backend", "{0}");
    public static DiagnosticDescriptor ExecutionInput { get; } = new("GD0704", "Bad input for execution", "{0}");
    public static DiagnosticDescriptor NoDevice { get; } = new("GD0705", "No device", "{0}");
    public static DiagnosticDescriptor NonFiniteValues { get; } = new("GD0706", "Non-finite values", "{0}: {1} of {2} values are NaN or infinite, the first at index {3}");
    public static DiagnosticDescriptor ExtremeValues { get; } = new("GD0707", "Extreme values", "{0}: {1} of {2} values exceed {3} in magnitude, the largest {4}; arithmetic on them overflows", Severity.Warning);
    public static DiagnosticDescriptor DegenerateLogits { get; } = new("GD0708", "Degenerate logits", "{0}: {1}, so the tokens chosen there say little about the model", Severity.Warning);

    // ---- 09xx: source generator (mirrored in src/SourceGenerator/ModelGenerator.DiagnosticDescriptors.cs) ----
    public static DiagnosticDescriptor GeneratorInternalError { get; } = new("GD0901", "Internal generator failure", "internal error while generating code for '{0}': {1} (please report it)");
    public static DiagnosticDescriptor ModelDoesNotFit { get; } = new("GD0902", "Model weights do not fit", "model '{0}' needs {1} for its weights ({2}), more than {3} x {4} hold ({5})", Severity.Warning);
    public static DiagnosticDescriptor InvalidGeneratorOption { get; } = new("GD0903", "Invalid generator option", "{0}", Severity.Warning);
    public static DiagnosticDescriptor DuplicateModelClass { get; } = new("GD0904", "Two models generate the same class", "class '{0}' is generated from both '{1}' and '{2}'; rename one of the models");

    // ---- 08xx: command line --------------------------------------------------------------------
    public static DiagnosticDescriptor FileNotFound { get; } = new("GD0801", "File not found", "cannot read '{0}': {1}");
    public static DiagnosticDescriptor InvalidOption { get; } = new("GD0802", "Invalid option", "{0}");
    public static DiagnosticDescriptor CannotWrite { get; } = new("GD0803", "Cannot write output", "cannot write '{0}': {1}");
    public static DiagnosticDescriptor FlagContradictsPass { get; } = new("GD0810", "Flag contradicts --passes", "{0} {1} contradicts {2} in --passes; give {3} once, as the flag or as the pass option");
    public static DiagnosticDescriptor ContextShorterThanPrompt { get; } = new("GD0811", "Context shorter than the prompt", "{0} is shorter than {1}: the decode step's KV cache holds the prompt{2}");
    public static DiagnosticDescriptor NodesExceedDevice { get; } = new("GD0812", "More GPUs per node than the device has", "--nodes {0} puts {1} GPUs on each node, but a {2} node holds {3}; costing {0} node(s) of {1} GPU(s) as asked (their GPUs share one NVLink domain); without --nodes, {4} GPUs take {5} node(s)", Severity.Warning);
    public static DiagnosticDescriptor ServeOptionConflict { get; } = new("GD0820", "Conflicting serve options", "{0}");
    public static DiagnosticDescriptor InvalidPlanOption { get; } = new("GD0821", "Invalid plan options", "{0}");
    public static DiagnosticDescriptor PlanSearchTooLarge { get; } = new("GD0822", "Plan search too large", "{0}");
    // 0842-0845: --plot FILE.svg and --report FILE.html (src/Cli/Plots, src/Cli/Reports).
    public static DiagnosticDescriptor InvalidPlot { get; } = new("GD0842", "Invalid --plot", "{0}");
    public static DiagnosticDescriptor OutputFolderMissing { get; } = new("GD0843", "Output folder does not exist", "{0} '{1}': the folder '{2}' does not exist (checked before running, so nothing was computed)");
    public static DiagnosticDescriptor NothingToPlot { get; } = new("GD0844", "Nothing to plot", "--plot {0} '{1}': {2}; the file says so in place of the plot", Severity.Warning);
    public static DiagnosticDescriptor InvalidReport { get; } = new("GD0845", "Invalid --report", "{0}");
    // 0852-0857: command-line checks added by the hostile-input round (src/Cli/Commands).
    public static DiagnosticDescriptor OutputsCollide { get; } = new("GD0852", "Two outputs name one file", "{0} '{1}' is the file {2} writes; give each output its own file");
    public static DiagnosticDescriptor OutputIsInput { get; } = new("GD0853", "Output would overwrite the input", "{0} '{1}' is the input {2}: writing it would lose the input; write the output elsewhere");
    public static DiagnosticDescriptor DeviceReplaced { get; } = new("GD0854", "Hardware file replaces a device", "device '{0}' replaces {1} of the same id; this file's figures are used for it", Severity.Warning);
    // 0855-0857: predict, sweep and compare, checked as a user meets them (src/Cli/Commands).
    public static DiagnosticDescriptor DraftVocabularyMismatch { get; } = new("GD0855", "Draft model's vocabulary differs from the target's",
        "--speculative draft: {0} predicts over {1} tokens, but {2} over {3}: the target cannot verify tokens from another vocabulary");
    public static DiagnosticDescriptor ExpertLayoutWithoutExperts { get; } = new("GD0856", "Expert parallelism on a model without experts", "{0}");
    public static DiagnosticDescriptor DrafterLayout { get; } = new("GD0857", "The drafter is compiled on the target's layout",
        "the errors above are the drafter's: {0} ({1}) is compiled on the target's layout, {2}, as engines shard a drafter with the target's tensor parallelism", Severity.Note);
    // A part (model NAME for TARGET) is its model's multi-token-prediction module: it drafts for the model, it is not served.
    public static DiagnosticDescriptor PartPricedAlone { get; } = new("GD0858", "A model's speculative-decoding part priced as a model",
        "--model {0}: {0} is the multi-token-prediction module of {1} ('model {0} for {1}'), which runs only as {1}'s drafter; price {1} with --speculative mtp:K instead");
    // 0826-0829: graphdsl import hf (src/Import).
    public static DiagnosticDescriptor BadConfigJson { get; } = new("GD0826", "Bad model config", "invalid config '{0}': {1}");
    public static DiagnosticDescriptor UnsupportedArchitecture { get; } = new("GD0827", "Architecture not importable", "cannot import architecture '{0}': {1}");
    public static DiagnosticDescriptor ConfigFieldNotUnderstood { get; } = new("GD0828", "Config field not understood", "config field '{0}' {1}; nothing was written, since the spec could be wrong");
    public static DiagnosticDescriptor NotExpressible { get; } = new("GD0829", "Not expressible in the language", "{0}: {1}; the spec approximates it (and says so in a comment)", Severity.Warning);
    public static DiagnosticDescriptor NeedsJitBuild { get; } = new("GD0838", "Command needs the JIT build", "'{0}' needs the JIT build of graphdsl ({1}): '{2}' does not exist; publish the native binary with -p:GraphDslAot=true (which puts the JIT build in jit/ beside it), set GRAPHDSL_JIT to a graphdsl.dll, or use dotnet run --project src/Cli -- {0} ...");
    public static DiagnosticDescriptor InternalError { get; } = new("GD0899", "Internal error", "internal error: {0} (please report it)");

    /// <summary>All descriptors, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticCatalog)
        .GetProperties(BindingFlags.Public | BindingFlags.Static)
        .Where(p => p.PropertyType == typeof(DiagnosticDescriptor))
        .Select(p => (DiagnosticDescriptor)p.GetValue(null)!)
        .OrderBy(d => d.Id, System.StringComparer.Ordinal)
        .ToArray();
}
