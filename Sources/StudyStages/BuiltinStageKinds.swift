import StudyEngine

/// Every built-in stage kind of this build, for the engine's registry.
public enum BuiltinStageKinds {
    /// The kinds, in no particular order (the registry sorts names).
    public static var all: [any StageKind] {
        [IngestCSV(), KaplanMeierStage(), LogRankStage(), CoxStage(), FineGrayStage(), ParametricStage(), CumulativeIncidenceStage(), SimulateCohort(), SimulateTrial(),
         ReportStage()]
    }
}
