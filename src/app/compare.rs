pub fn run(_args: &crate::cli::CompareArgs) -> anyhow::Result<crate::error::Exit> {
    anyhow::bail!("not yet")
}
