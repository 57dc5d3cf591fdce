"""A run with nested children, tags, a description, a resume and models logged in the children."""

import json

import mlflow

mlflow.genai.register_prompt(name="qa", template="Answer: {{ question }}")


def make_model(prompt):
    def predict(model_input: list[str]) -> list[str]:
        return [prompt.format(question=q) for q in model_input]

    return predict


children = []
with mlflow.start_run(run_name="sweep", tags={"team": "nlp"}, description="a sweep") as parent:
    try:
        mlflow.start_run(run_name="not nested")
        refused = False
    except Exception:
        refused = True
    for temperature in (0.1, 0.7):
        with mlflow.start_run(run_name=f"t={temperature}", nested=True) as child:
            prompt = mlflow.genai.load_prompt("prompts:/qa/1")
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=make_model(prompt),
                params={"temperature": temperature},
                tags={"variant": str(temperature)},
                pip_requirements=["cloudpickle"],
                input_example=["What is git?"],
            )
            children.append(child.info.run_id)

with mlflow.start_run(run_id=parent.info.run_id) as resumed:
    resumed_same = resumed.info.run_id == parent.info.run_id

ran = mlflow.get_run(children[0])
top = mlflow.get_run(parent.info.run_id)
print(
    json.dumps(
        {
            "refused_unnested": refused,
            "parent_of_child": ran.data.tags.get("mlflow.parentRunId") == parent.info.run_id,
            "child_name": ran.data.tags.get("mlflow.runName"),
            "parent_tags": {k: v for k, v in top.data.tags.items() if not k.startswith("mlflow.")},
            "description": top.data.tags.get("mlflow.note.content"),
            "resumed_same": resumed_same,
            "status": top.info.status,
            "predict": mlflow.pyfunc.load_model(info.model_uri).predict(["Why?"]),
        }
    )
)
