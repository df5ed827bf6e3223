// The crash tests start several processes each and measure nothing but counts; running them one at
// a time keeps a 2-core machine from starving the processes of one test with those of another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
