-- The bare poem handler (examples/ceiling.rs): GET / only.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
