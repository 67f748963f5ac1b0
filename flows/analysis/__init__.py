"""What analysts read about the procedures: descriptions, diagrams, heatmap, FAQ tracing."""
