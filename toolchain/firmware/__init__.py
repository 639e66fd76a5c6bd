"""Board + generated model -> PlatformIO firmware project; offline builds with a local dev-platform.

generate_project(model, board, out_dir) -> Project; load_project(dir) -> Project;
build_project(dir, env=None, defines=()) -> BuildResult; setup_offline() -> OfflineCore.
"""
