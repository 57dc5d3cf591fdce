"""A PythonModel with artifacts and model_config, as MLflow 3.17.2 runs it (argv[1]: a scratch dir)."""

import json
import os
import sys

import mlflow
from mlflow.pyfunc import PythonModel

workdir = sys.argv[1]
vocab = os.path.join(workdir, "vocab.txt")
with open(vocab, "w") as f:
    f.write("hello\nworld\n")

mlflow.genai.register_prompt(name="greeting", template="Say {{ word }} in a {{ style }} way")


class Greeter(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["vocab"]) as f:
            self.words = f.read().split()
        self.style = context.model_config["style"]

    def predict(self, context, model_input: list[str], params: dict | None = None) -> list[str]:
        prompt = mlflow.genai.load_prompt("prompts:/greeting/1")
        times = (params or {}).get("times", 1)
        known = [w for w in model_input if w in self.words]
        return [prompt.format(word=w, style=self.style) * times for w in known]


with mlflow.start_run(run_name="greeter"):
    info = mlflow.pyfunc.log_model(
        name="greeter",
        python_model=Greeter(),
        artifacts={"vocab": vocab},
        model_config={"style": "plain"},
        input_example=["hello"],
        pip_requirements=["cloudpickle"],
        metadata={"owner": "nlp-team"},
        prompts=["prompts:/greeting/1"],
    )

model = mlflow.pyfunc.load_model(info.model_uri)
loud = mlflow.pyfunc.load_model(info.model_uri, model_config={"style": "loud"})
try:
    model.predict([1])
    refused = None
except Exception as exc:
    refused = type(exc).__name__
print(
    json.dumps(
        {
            "plain": model.predict(["hello", "nope"]),
            "loud": loud.predict(["world"]),
            "metadata": mlflow.models.get_model_info(info.model_uri).metadata,
            "loaded_metadata": model.metadata.metadata,
            "inputs": len(model.metadata.get_input_schema().inputs),
            "refused": refused,
        }
    )
)
