from nexus.service.security_demo import security_demo


def test_the_same_query_gives_each_agency_its_own_filtered_answer(store):
    lines = security_demo(store)
    text = "\n".join(lines)
    police = text.split("demo.police")[1].split("demo.intel")[0]
    intel = text.split("demo.intel")[1]
    assert "1 result(s)" in police and "Rami Qaraman" not in police and "crime.terror" not in police
    assert "2 result(s)" in intel and "Rami Qaraman" in intel
    samir = next(line for line in intel.splitlines() if "Samir Qaraman" in line)
    assert "crime.terror" in samir  # the intelligence reporting on him shows only to the cleared user
    assert "demo_intel_reporting" not in police and "demo_intel_reporting" in intel
    assert security_demo(store) == lines  # repeatable: the demo data loads once
