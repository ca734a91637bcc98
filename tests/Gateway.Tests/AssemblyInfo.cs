// Each cluster fixture runs its own silos and engine threads; on a small machine they are faster one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
